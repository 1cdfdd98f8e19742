"""Editors work on the news and notices of their own offices only (back office at /backoffice/)."""

import pytest
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from frontend.models import NewsIndexPage, NewsPage, NoticeIndexPage, NoticePage
from portal.people.models import StaffRole
from tests.factories import StaffMembershipFactory

from .conftest import publish_news, publish_notice

pytestmark = pytest.mark.django_db


@pytest.fixture
def notice(world):
    return publish_notice("Water cut", world.community, buildings=[world.building])


@pytest.fixture
def own_editor(world, make_editor):
    return make_editor(world.community.office)


@pytest.fixture
def other_editor(world, make_editor):
    return make_editor(world.other_community.office)


def notice_form(community, buildings=(), title="Lift inspection"):
    data = nested_form_data(
        {
            "title": title,
            "slug": "lift-inspection",
            "community": community.pk,
            "urgency": "important",
            "body": rich_text("<p>On Tuesday.</p>"),
            "action-publish": "publish",
        }
    )
    data["buildings"] = [b.pk for b in buildings]
    return data


def add_url(model_name, parent):
    return f"/backoffice/pages/add/frontend/{model_name}/{parent.pk}/"


class TestEditingAnExistingNotice:
    def test_an_editor_of_the_notices_office_may_edit_it(self, notice, own_editor, client):
        client.force_login(own_editor)

        assert client.get(f"/backoffice/pages/{notice.pk}/edit/").status_code == 200

    def test_an_editor_of_another_office_is_refused(self, notice, other_editor, client):
        client.force_login(other_editor)

        assert client.get(f"/backoffice/pages/{notice.pk}/edit/").status_code == 403
        response = client.post(f"/backoffice/pages/{notice.pk}/edit/", notice_form(notice.community, title="Hacked"))
        assert response.status_code == 403
        assert NoticePage.objects.get(pk=notice.pk).title == "Water cut"

    @pytest.mark.parametrize("action", ["delete", "copy"])
    def test_an_editor_of_another_office_may_not_delete_or_copy_it(self, notice, other_editor, client, action):
        client.force_login(other_editor)

        assert client.get(f"/backoffice/pages/{notice.pk}/{action}/").status_code == 403
        assert client.post(f"/backoffice/pages/{notice.pk}/{action}/").status_code == 403
        assert NoticePage.objects.live().filter(pk=notice.pk).exists()
        assert NoticePage.objects.count() == 1

    def test_an_editor_of_another_office_may_not_unpublish_it(self, notice, other_editor, client):
        client.force_login(other_editor)

        assert client.post(f"/backoffice/pages/{notice.pk}/unpublish/").status_code == 403
        assert NoticePage.objects.live().filter(pk=notice.pk).exists()

    def test_an_editor_of_another_office_may_not_move_it(self, notice, other_editor, client):
        home = NoticeIndexPage.objects.get().get_parent()
        client.force_login(other_editor)

        assert client.post(f"/backoffice/pages/{notice.pk}/move/{home.pk}/confirm/").status_code == 403
        assert NoticePage.objects.get(pk=notice.pk).get_parent().specific_class is NoticeIndexPage

    def test_the_refusal_explains_itself(self, notice, other_editor, client):
        client.force_login(other_editor)

        response = client.get(f"/backoffice/pages/{notice.pk}/edit/")

        assert "outside your offices" in response.text

    def test_headquarters_may_edit_notices_of_every_office_of_their_company(
        self, notice, world, client, notice_editors
    ):
        company = world.community.office.region.company
        hq = StaffMembershipFactory(office=None, company=company, role=StaffRole.HEADQUARTERS).user
        hq.groups.add(notice_editors)
        client.force_login(hq)

        assert client.get(f"/backoffice/pages/{notice.pk}/edit/").status_code == 200

    def test_the_explorer_hides_notices_of_other_offices(self, notice, world, other_editor, own_editor, client):
        index = NoticeIndexPage.objects.get()
        client.force_login(other_editor)
        assert "Water cut" not in client.get(f"/backoffice/pages/{index.pk}/").text
        client.force_login(own_editor)
        assert "Water cut" in client.get(f"/backoffice/pages/{index.pk}/").text


class TestCreatingANotice:
    def test_the_community_and_building_choices_are_those_of_the_editors_offices(self, world, own_editor, client):
        client.force_login(own_editor)

        page = client.get(add_url("noticepage", NoticeIndexPage.objects.get())).text

        assert "Green Court" in page
        assert "River Park" not in page
        assert f'value="{world.building.pk}"' in page

    def test_an_editor_publishes_a_notice_for_their_community(self, world, own_editor, client):
        client.force_login(own_editor)

        response = client.post(
            add_url("noticepage", NoticeIndexPage.objects.get()), notice_form(world.community, [world.building])
        )

        assert response.status_code == 302
        created = NoticePage.objects.get(title="Lift inspection")
        assert created.live and list(created.buildings.all()) == [world.building]

    def test_a_community_of_another_office_is_refused(self, world, own_editor, client):
        client.force_login(own_editor)

        response = client.post(add_url("noticepage", NoticeIndexPage.objects.get()), notice_form(world.other_community))

        assert response.status_code == 403
        assert not NoticePage.objects.filter(title="Lift inspection").exists()

    def test_the_form_itself_refuses_a_community_of_another_office(self, world, own_editor):
        from frontend.forms import NoticePageForm
        from frontend.models import NoticePage as Model

        form_class = Model.get_edit_handler().bind_to_model(Model).get_form_class()
        assert issubclass(form_class, NoticePageForm)
        parent = NoticeIndexPage.objects.get()

        def bound_form(community):
            data = notice_form(community)
            return form_class(data, instance=Model(locale=parent.locale), parent_page=parent, for_user=own_editor)

        assert bound_form(world.community).is_valid()
        refused = bound_form(world.other_community)
        assert not refused.is_valid()
        assert list(refused.errors) == ["community"]

    def test_buildings_must_belong_to_the_chosen_community(self, world, own_editor, client, make_editor):
        second_community_same_office = type(world.community).objects.create(
            office=world.community.office, name="Lake View", code="lake-view"
        )
        client.force_login(own_editor)

        response = client.post(
            add_url("noticepage", NoticeIndexPage.objects.get()),
            notice_form(second_community_same_office, [world.building]),
        )

        assert response.status_code == 200
        assert "Only tick buildings of the chosen community." in response.text
        assert not NoticePage.objects.filter(title="Lift inspection").exists()

    def test_people_without_a_staff_role_may_not_open_the_form(self, world, client, notice_editors):
        outsider = world.outsider
        outsider.groups.add(notice_editors)
        client.force_login(outsider)

        assert client.get(add_url("noticepage", NoticeIndexPage.objects.get())).status_code == 403


class TestNews:
    def news_form(self, community=None):
        return nested_form_data(
            {
                "title": "Sports day",
                "slug": "sports-day",
                "date": "2026-05-01",
                "community": community.pk if community else "",
                "intro": "Come and play.",
                "body": streamfield([]),
                "action-publish": "publish",
            }
        )

    def test_an_office_editor_publishes_news_for_their_community(self, world, own_editor, client):
        client.force_login(own_editor)

        response = client.post(add_url("newspage", NewsIndexPage.objects.get()), self.news_form(world.community))

        assert response.status_code == 302
        assert NewsPage.objects.get(title="Sports day").community == world.community

    def test_an_office_editor_may_not_publish_news_for_every_community(self, world, own_editor, client):
        client.force_login(own_editor)

        response = client.post(add_url("newspage", NewsIndexPage.objects.get()), self.news_form())

        assert response.status_code == 200
        assert "only headquarters publish news for every community" in response.text
        assert not NewsPage.objects.filter(title="Sports day").exists()

    def test_an_office_editor_may_not_edit_company_wide_news(self, world, own_editor, client):
        news = publish_news("Award for the company")
        client.force_login(own_editor)

        assert client.get(f"/backoffice/pages/{news.pk}/edit/").status_code == 403

    def test_an_editor_of_another_office_may_not_edit_community_news(self, world, other_editor, own_editor, client):
        news = publish_news("Green Court sports day", community=world.community)

        client.force_login(other_editor)
        assert client.get(f"/backoffice/pages/{news.pk}/edit/").status_code == 403
        client.force_login(own_editor)
        assert client.get(f"/backoffice/pages/{news.pk}/edit/").status_code == 200
