"""A resident reads their notifications, clears the badge and messages the office; the housekeeper answers
from the chat inbox; the front desk looks at a campaign in the back office."""

import pytest

from notifications.services import notify
from portal.people.models import StaffRole
from portal.people.services import add_staff_role
from tests.factories import DEFAULT_PASSWORD, AccountFactory, ResidentMembershipFactory

from .conftest import PHONE, assert_fits_phone

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _no_staff_2fa(settings):
    settings.STAFF_MFA_REQUIRED = False


def log_in(page, login):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()


def test_a_resident_reads_notifications_and_chats_with_the_housekeeper(open_page, shot, world):
    resident = AccountFactory(full_name="Li Ming", phone="+8613800001111")
    ResidentMembershipFactory(user=resident, unit=world.north.units[0])
    keeper = world.north.grid.housekeeper
    keeper.email = "fang@north.example.com"
    keeper.phone_verified = True
    keeper.save()
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=keeper, email=keeper.email, primary=True, verified=True)
    add_staff_role(keeper, company=world.company, role=StaffRole.HOUSEKEEPER, office=world.north.office)
    notify([resident], "notifications.urgent", {"title": "Water cut on Friday", "message": "No water 9:00-12:00."})
    notify(
        [resident],
        "notifications.announcement",
        {"title": "Lift check", "message": "Lift 3 stops Saturday."},
        url="/my/",
    )

    page = open_page(locale="en-US", viewport=PHONE)
    log_in(page, "13800001111")
    badge = page.locator(".notif-bell [data-unread-count]")
    assert badge.inner_text() == "2"

    page.locator(".notif-bell").click()
    page.wait_for_url("**/notifications/")
    assert "Water cut on Friday" in page.locator("main").inner_text()
    assert page.locator(".notif-item.is-unread").count() == 2
    shot(page, "1-centre")
    assert_fits_phone(page, shot, "1-centre")

    page.get_by_role("button", name="Mark all as read").click()
    page.wait_for_load_state()
    assert page.locator(".notif-item.is-unread").count() == 0
    assert badge.is_hidden()

    page.goto("/chat/")
    page.fill("input[name=subject]", "Corridor light")
    page.fill("textarea[name=body]", "The light on floor 15 has been out for two days.")
    page.get_by_role("button", name="Send to the office").click()
    page.wait_for_url("**/chat/*/")
    assert "The light on floor 15" in page.locator("#chat-log").inner_text()
    assert "With Wang Fang" in page.locator(".page-header").inner_text()
    shot(page, "2-conversation")
    assert_fits_phone(page, shot, "2-conversation")

    staff = open_page(locale="en-US")
    staff.set_viewport_size({"width": 1280, "height": 900})
    log_in(staff, "fang@north.example.com")
    staff.goto("/chat/inbox/")
    assert "Corridor light" in staff.locator("main").inner_text()
    shot(staff, "3-inbox")
    staff.get_by_role("link", name="Corridor light").click()
    staff.wait_for_load_state()
    staff.fill("textarea[name=body]", "An electrician comes this afternoon.")
    staff.get_by_role("button", name="Send", exact=True).click()
    staff.wait_for_load_state()
    shot(staff, "4-staff-conversation")

    page.reload()
    assert "An electrician comes this afternoon." in page.locator("#chat-log").inner_text()
    # Reading the conversation also reads the "new message" notification it caused.
    assert page.locator(".notif-bell [data-unread-count]").is_hidden()


def test_the_front_desk_sees_campaigns_in_the_back_office(open_page, shot, world):
    from notifications.models import Campaign

    desk = AccountFactory(email="desk@north.example.com", full_name="Chen Desk")
    add_staff_role(desk, company=world.company, role=StaffRole.FRONT_DESK, office=world.north.office)
    ResidentMembershipFactory(user=AccountFactory(phone="+8613800002222"), unit=world.north.units[1])
    Campaign.objects.create(
        office=world.north.office, title="Lift check", message="Lift 3 stops Saturday.", created_by=desk
    )

    page = open_page(locale="en-US")
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, "desk@north.example.com")
    page.goto("/backoffice/campaigns/")
    page.get_by_role("link", name="Lift check").click()
    page.wait_for_load_state()
    assert "Would reach 1 resident now." in page.locator("main").inner_text()
    page.get_by_role("button", name="Send now").click()
    page.wait_for_load_state()
    assert "Sent to 1 residents." in page.locator("main").inner_text() or "Sent" in page.content()
    shot(page, "1-campaign")
