"""A resident reads their notifications, clears the badge and messages the office; the housekeeper answers
from the chat inbox; the front desk looks at a campaign in the back office."""

import pytest
from playwright.sync_api import expect

from notifications.models import ChatMessage
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


# Whitenoise hands static files to the ASGI handler as a synchronous iterator; harmless here.
@pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume synchronous iterators")
def test_a_resident_reads_notifications_and_chats_live_with_the_housekeeper(open_page, shot, world, asgi_server):
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

    # Both sides on the ASGI server, as in production: the chat travels over its websocket.
    page = open_page(locale="en-US", viewport=PHONE, base_url=asgi_server.url)
    log_in(page, "13800001111")
    badge = page.locator(".notif-bell [data-unread-count]")
    assert badge.inner_text() == "2"

    page.locator(".notif-bell").click()
    page.wait_for_url("**/notifications/")
    assert "Water cut on Friday" in page.locator("main").inner_text()
    assert page.locator(".notif-item.is-unread").count() == 2
    shot(page, "1-centre")
    assert_fits_phone(page, shot, "1-centre", actions=[page.get_by_role("button", name="Mark all as read")])

    page.get_by_role("button", name="Mark all as read").click()
    expect(page.locator(".notif-item.is-unread")).to_have_count(0)
    expect(badge).to_be_hidden()

    page.goto("/chat/")
    assert_fits_phone(page, shot, "2-new-conversation", actions=["textarea[name=body]"])
    page.fill("input[name=subject]", "Corridor light")
    page.fill("textarea[name=body]", "The light on floor 15 has been out for two days.")
    page.get_by_role("button", name="Send to the office").click()
    page.wait_for_url("**/chat/*/")
    assert "The light on floor 15" in page.locator("#chat-log").inner_text()
    assert "With Wang Fang" in page.locator(".page-header").inner_text()
    page.wait_for_selector("#chat-form[data-live]")  # the websocket is open
    shot(page, "3-conversation")
    send = page.locator("#chat-form button[type=submit]")
    assert_fits_phone(page, shot, "3-conversation", actions=["#chat-body", send])

    staff = open_page(locale="en-US", viewport={"width": 1280, "height": 900}, base_url=asgi_server.url)
    log_in(staff, "fang@north.example.com")
    staff.goto("/chat/inbox/")
    assert "Corridor light" in staff.locator("main").inner_text()
    shot(staff, "4-inbox")
    staff.get_by_role("link", name="Corridor light").click()
    staff.wait_for_selector("#chat-form[data-live]")
    # A page that reloads loses this mark: proof that what follows arrives live.
    for each in (page, staff):
        each.evaluate("window.stillTheSamePage = true")

    staff.fill("textarea[name=body]", "An electrician comes this afternoon.")
    staff.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#chat-log .chat-msg:not(.is-mine)")).to_contain_text("An electrician comes this afternoon.")
    expect(staff.locator("#chat-log .chat-msg.is-mine").last).to_contain_text("An electrician comes this afternoon.")
    shot(page, "5-answer-arrives")

    page.fill("#chat-body", "Thank you, I will be home.")
    send.click()
    expect(staff.locator("#chat-log .chat-msg:not(.is-mine)").last).to_contain_text("Thank you, I will be home.")
    expect(page.locator("#chat-log .chat-msg.is-mine").last).to_contain_text("Thank you, I will be home.")
    # The housekeeper's page has the resident's reply open, so the resident sees it read.
    expect(page.locator("#chat-log .chat-msg.is-mine [data-read-mark]").last).to_contain_text("Read")
    assert page.evaluate("window.stillTheSamePage") and staff.evaluate("window.stillTheSamePage")
    shot(staff, "6-reply-arrives")
    assert_fits_phone(page, shot, "7-conversation-after", actions=["#chat-body", send])
    assert list(ChatMessage.objects.order_by("pk").values_list("author__full_name", "body")) == [
        ("Li Ming", "The light on floor 15 has been out for two days."),
        ("Wang Fang", "An electrician comes this afternoon."),
        ("Li Ming", "Thank you, I will be home."),
    ]

    # Reading the conversation also reads the "new message" notification it caused.
    page.reload()
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
