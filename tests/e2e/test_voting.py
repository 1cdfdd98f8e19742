"""An owner opens the vote, casts a signed ballot after re-entering the password, and checks the receipt."""

import datetime

import pytest
from django.utils import timezone

from portal.people.models import StaffRole
from portal.voting import services
from portal.voting.models import Ballot, Matter
from tests.factories import DEFAULT_PASSWORD, AccountFactory, ResidentMembershipFactory

from .conftest import DESKTOP, PHONE, assert_fits_phone
from .test_backoffice import log_in_with_code, make_staff

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def meeting(world):
    owner = AccountFactory(full_name="Li Ming", phone="+8613800001111")
    ResidentMembershipFactory(user=owner, unit=world.north.units[0])
    ResidentMembershipFactory(unit=world.north.units[1])
    manager = make_staff(world, world.north.office, StaffRole.OFFICE_MANAGER, "zhou@example.com", "Manager Zhou")
    opens = timezone.now() - datetime.timedelta(hours=2)
    meeting = services.create_meeting(  # voting opened two hours ago, after a 15-day notice
        manager,
        world.north.community,
        title="Owners meeting of Green Garden",
        opens_at=opens,
        closes_at=opens + datetime.timedelta(days=7),
    )
    services.add_motion(manager, meeting, title="Hire Lotus Property Services", matter=Matter.PROPERTY_COMPANY)
    services.add_motion(manager, meeting, title="Turn garage bays into EV chargers", matter=Matter.CHANGE_USE)
    services.announce(manager, meeting, now=opens - datetime.timedelta(days=15))
    meeting.manager = manager
    return meeting


def test_an_owner_votes_and_checks_the_receipt(open_page, shot, meeting, settings):
    settings.LANGUAGE_CODE = "en"
    page = open_page(locale="en-US", viewport=PHONE)
    page.goto("/accounts/login/")
    page.fill("input[name=login]", "13800001111")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/my/")

    page.goto("/votes/")
    page.get_by_role("link", name="Owners meeting of Green Garden").click()
    page.wait_for_load_state()
    assert "Voting is open" in page.locator("main").inner_text()
    vote = page.get_by_role("link", name="Vote", exact=True)
    assert_fits_phone(page, shot, "1-meeting", actions=[vote])
    vote.click()
    page.wait_for_load_state()
    page.locator(".choice-for").first.click()
    page.locator(".choice-against").nth(1).click()
    cast = page.locator("button[type=submit]", has_text="Sign and cast")
    assert_fits_phone(page, shot, "2-ballot", actions=[".choice-for", cast])

    page.locator("button[type=submit]", has_text="Sign and cast").click()  # no password yet
    page.wait_for_load_state()
    assert "password or code is wrong" in page.locator(".alert-error").inner_text()
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.locator("button[type=submit]", has_text="Sign and cast").click()
    page.wait_for_url("**/votes/*/#receipts")
    assert "Your ballot is recorded on 2 motion(s)" in page.locator("main").inner_text()
    assert_fits_phone(page, shot, "3-receipts", actions=[".receipt-code code"])

    assert sorted(Ballot.objects.values_list("choice", flat=True)) == ["against", "for"]
    receipt = page.locator(".receipt-code code").first.inner_text()
    page.goto("/votes/verify/")
    page.fill("input[name=code]", receipt)
    page.get_by_role("button", name="Check").click()
    page.wait_for_load_state()
    assert "This receipt is recorded" in page.locator("main").inner_text()
    assert_fits_phone(page, shot, "4-verify")


def test_the_back_office_control_room_shows_the_roll_with_reasons(open_page, shot, meeting, settings):
    settings.LANGUAGE_CODE = "en"
    page = open_page(locale="en-US", viewport=DESKTOP)
    log_in_with_code(page, meeting.manager)
    page.goto(f"/backoffice/voting/meetings/{meeting.pk}/")
    text = page.locator("main").inner_text()
    assert "One owner, one unit" in text and "verified intact" in text
    shot(page, "backoffice-meeting")
