"""The public site: its tree, the home page for visitors, news visibility, the shell and its languages."""

import datetime

import pytest
from wagtail.models import Page, Site

from frontend.models import HomePage, NewsIndexPage, NewsPage, NoticeIndexPage
from frontend.site_setup import ensure_site
from portal.people.models import StaffRole
from tests.factories import StaffMembershipFactory, UserFactory

from .conftest import publish_news

pytestmark = pytest.mark.django_db


class TestSiteSetup:
    def test_the_home_page_replaces_wagtails_welcome_page_as_the_default_site_root(self, db):
        assert Page.objects.filter(depth=2, title__startswith="Welcome").exists()

        home = ensure_site()

        site = Site.objects.get(is_default_site=True)
        assert site.root_page.specific == home
        assert not Page.objects.filter(title__startswith="Welcome").exists()
        assert NewsIndexPage.objects.child_of(home).live().count() == 1
        assert NoticeIndexPage.objects.child_of(home).live().count() == 1

    def test_running_it_again_changes_nothing(self, db):
        home = ensure_site()
        pages_before = list(Page.objects.values_list("pk", "path"))

        assert ensure_site() == home
        assert list(Page.objects.values_list("pk", "path")) == pages_before
        assert HomePage.objects.count() == 1
        assert Site.objects.count() == 1


class TestHomePage:
    def test_visitors_see_public_news_and_a_call_to_log_in(self, world, client):
        publish_news("Award for the company", intro="We won.")
        publish_news("Green Court sports day", community=world.community)

        response = client.get("/")

        assert response.status_code == 200
        assert "Award for the company" in response.text
        assert "Green Court sports day" not in response.text
        assert 'href="/accounts/login/"' in response.text
        assert 'href="/accounts/signup/"' in response.text

    def test_a_signed_in_person_is_taken_to_their_own_home(self, world, client):
        client.force_login(world.resident)

        response = client.get("/")

        assert response.status_code == 302
        assert response.url == "/my/"


class TestNewsVisibility:
    def test_public_news_is_readable_by_anyone(self, world, client):
        news = publish_news("Award for the company")

        assert client.get(news.url).status_code == 200

    def test_community_news_is_for_its_residents_only(self, world, client):
        news = publish_news("Green Court sports day", community=world.community)

        client.force_login(world.building_neighbour)
        assert client.get(news.url).status_code == 200
        client.force_login(world.outsider)
        assert client.get(news.url).status_code == 404
        assert "Green Court sports day" not in client.get("/news/").text
        client.logout()
        assert client.get(news.url).status_code == 302

    def test_the_news_list_shows_public_and_own_community_news(self, world, client):
        publish_news("Award for the company")
        publish_news("Green Court sports day", community=world.community)
        publish_news("River Park clean-up", community=world.other_community)
        client.force_login(world.resident)

        page = client.get("/news/").text

        assert "Award for the company" in page
        assert "Green Court sports day" in page
        assert "River Park clean-up" not in page


class TestShell:
    def test_the_shell_has_a_skip_link_navigation_and_htmx(self, home, client):
        page = client.get("/").text

        assert '<a class="skip-link" href="#main">' in page
        assert '<main id="main"' in page
        assert 'href="/notices/"' in page and 'href="/news/"' in page
        assert "django_htmx/htmx-2.min.js" in page
        assert 'action="/i18n/setlang/"' in page

    def test_staff_get_a_back_office_link_in_the_navigation(self, world, client):
        staff = StaffMembershipFactory(office=world.community.office, role=StaffRole.FRONT_DESK).user
        client.force_login(staff)

        assert 'class="nav-backoffice" href="/backoffice/"' in client.get("/notices/").text

    def test_residents_get_no_back_office_link(self, world, client):
        client.force_login(world.resident)

        assert "/backoffice/" not in client.get("/notices/").text


class TestLanguages:
    def test_the_default_language_is_simplified_chinese(self, home, client, settings):
        settings.LANGUAGE_CODE = "zh-hans"

        response = client.get("/")

        assert '<html lang="zh-hans">' in response.text
        assert response.headers["Content-Language"] == "zh-hans"

    @pytest.mark.parametrize(("language", "localised_date"), [("en", "May 1, 2026"), ("zh-hans", "2026年5月1日")])
    def test_the_switcher_sets_the_language_of_every_page(self, home, client, settings, language, localised_date):
        settings.LANGUAGE_CODE = "en" if language == "zh-hans" else "zh-hans"
        news = publish_news("Award for the company")
        NewsPage.objects.filter(pk=news.pk).update(date=datetime.date(2026, 5, 1))

        response = client.post("/i18n/setlang/", {"language": language, "next": "/news/"})

        assert response.status_code == 302 and response.url == "/news/"
        page = client.get("/news/")
        assert f'<html lang="{language}">' in page.text
        assert page.headers["Content-Language"] == language
        assert f'value="{language}" lang="{language}" aria-pressed="true"' in page.text
        assert localised_date in page.text  # Django's own locale formats follow the chosen language

    def test_a_signed_in_resident_can_switch_too(self, world, client):
        client.force_login(world.resident)

        client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/my/"})

        assert '<html lang="zh-hans">' in client.get("/my/").text

    def test_the_switcher_returns_to_the_page_it_was_used_on(self, home, client):
        person = UserFactory()
        client.force_login(person)

        page = client.get("/news/?page=1").text

        assert '<input type="hidden" name="next" value="/news/?page=1">' in page


class TestDemoContent:
    def test_the_demo_content_addresses_every_community_once(self, world):
        from frontend.demo import seed_site_content
        from frontend.notices import current_notices_for

        assert seed_site_content() > 0
        assert seed_site_content() == 0

        mine = [n.title for n in current_notices_for(world.resident)]
        assert mine[0].startswith("年度消防演练通知")  # pinned first
        assert any("Water cut, building 3" in title for title in mine)
        assert not any("Holiday rubbish" in title for title in mine)  # expired
        assert not any("Water cut, building 3" in n.title for n in current_notices_for(world.building_neighbour))
