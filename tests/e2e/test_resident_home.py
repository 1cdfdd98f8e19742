"""A resident logs in with their phone number, reads their home and notices, and switches language."""

import pytest
from django.utils import translation
from django.utils.translation import gettext

from frontend.models import NoticeIndexPage, NoticePage
from frontend.site_setup import ensure_site
from tests.factories import DEFAULT_PASSWORD, AccountFactory, ResidentMembershipFactory

from .conftest import assert_fits_phone

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def publish_notice(title, community, body, **fields):
    index = NoticeIndexPage.objects.get()
    notice = index.add_child(instance=NoticePage(title=title, community=community, body=body, **fields))
    notice.save_revision().publish()
    return notice


@pytest.fixture
def resident(world):
    user = AccountFactory(full_name="Li Ming", phone="+8613800001111")
    ResidentMembershipFactory(user=user, unit=world.north.units[0])
    return user


@pytest.fixture
def notices(world):
    ensure_site()
    return {
        "ours": publish_notice(
            "Water cut on Friday",
            world.north.community,
            "<p>Building 3 has no water from 9:00 to 12:00 while the pumps are replaced.</p>",
            urgency=NoticePage.Urgency.IMPORTANT,
        ),
        "theirs": publish_notice("Lake View fire drill", world.south.community, "<p>Saturday at 10:00.</p>"),
    }


def in_language(language, text):
    with translation.override(language):
        return gettext(text)


def test_a_resident_logs_in_with_a_spaced_phone_number_and_sees_home_and_notices(
    open_page, shot, world, resident, notices
):
    page = open_page()
    page.goto("/accounts/login/")
    page.fill("input[name=login]", "138 0000 1111")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    shot(page, "1-login")
    assert_fits_phone(page, shot, "1-login")
    page.locator("main button[type=submit]").click()

    page.wait_for_url("**/my/")
    unit_card = page.locator(".unit-card")
    assert unit_card.locator(".unit-label").inner_text() == "3-1501"
    assert "Wang Fang" in unit_card.locator(".contact").inner_text()
    notice_list = page.locator(".notice-list")
    assert "Water cut on Friday" in notice_list.inner_text()
    assert "Lake View fire drill" not in page.locator("main").inner_text()
    shot(page, "2-my-home")
    assert_fits_phone(page, shot, "2-my-home")

    notice_list.get_by_role("link", name="Water cut on Friday").click()
    page.wait_for_load_state()
    assert "no water from 9:00 to 12:00" in page.locator("main").inner_text()
    shot(page, "3-notice")
    assert_fits_phone(page, shot, "3-notice")

    response = page.goto(notices["theirs"].url)  # another community's notice
    assert response.status == 404
    assert "Saturday at 10:00." not in page.content()
    assert page.locator("main a[href='/my/']").is_visible()  # a way back from the "not found" page
    shot(page, "4-other-community-notice")
    assert_fits_phone(page, shot, "4-other-community-notice")


def test_a_resident_switches_the_site_to_english_and_back_to_chinese(open_page, shot, world, resident):
    page = open_page()
    page.goto("/accounts/login/")
    page.fill("input[name=login]", "13800001111")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/my/")
    logout = page.locator(".logout-form button")
    account_link = page.locator(".main-nav a[href='/accounts/email/']")

    assert page.get_attribute("html", "lang") == "zh-hans"
    assert logout.inner_text() == in_language("zh-hans", "Log out")
    assert account_link.inner_text() == in_language("zh-hans", "Account")
    shot(page, "1-chinese")

    page.locator(".lang-switch button[value=en]").click()
    page.wait_for_load_state()

    assert page.url.endswith("/my/")
    assert page.get_attribute("html", "lang") == "en"
    assert logout.inner_text() == "Log out" != in_language("zh-hans", "Log out")
    assert account_link.inner_text() == "Account"
    assert page.locator(".lang-switch button[value=en]").get_attribute("aria-pressed") == "true"
    shot(page, "2-english")
    assert_fits_phone(page, shot, "2-english")

    page.locator(".lang-switch button[value=zh-hans]").click()
    page.wait_for_load_state()

    assert page.get_attribute("html", "lang") == "zh-hans"
    assert logout.inner_text() == in_language("zh-hans", "Log out")
    shot(page, "3-back-to-chinese")
