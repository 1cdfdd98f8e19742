"""Staff work in the back office behind TOTP: the office manager's day, another office's wall, first-time 2FA setup."""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from portal.audit.models import AuditEntry
from portal.people.management.commands.demo_totp import current_code, seconds_left
from portal.people.models import Invitation, StaffRole
from portal.people.services import add_staff_role, format_code
from portal.properties.models import Unit
from tests.factories import DEFAULT_PASSWORD, AccountFactory

from .conftest import assert_fits_phone

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def make_staff(world, office, role, email, full_name, *, totp=True):
    """A staff account with a verified email; with ``totp`` it has an authenticator whose secret we know."""
    user = AccountFactory(email=email, full_name=full_name)
    add_staff_role(user, company=world.company, role=role, office=office)
    user.totp_secret = None
    if totp:
        user.totp_secret = generate_totp_secret()
        TOTP.activate(user, user.totp_secret)
    return user


def fresh_code(secret):
    """The authenticator's current code, never one about to roll over while the browser submits it."""
    if seconds_left() < 4:
        time.sleep(seconds_left() + 0.2)
    return current_code(secret)


def log_in(page, user):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()


def log_in_with_code(page, user, shot=None, landing="**/backoffice/"):
    log_in(page, user)
    assert "/accounts/2fa/authenticate/" in page.url, page.url
    if shot:
        shot(page, "2-asked-for-code")
        assert_fits_phone(page, shot, "2-asked-for-code")
    page.fill("input[name=code]", fresh_code(user.totp_secret))
    page.locator("main button[type=submit]:not([form])").click()  # not "Cancel", which logs out
    page.wait_for_url(lambda url: "/accounts/2fa/" not in url and url.endswith(landing.removeprefix("**")))


def open_menu(page, menu, item):
    """Click through Wagtail's sidebar: a menu, then one of its items."""
    page.locator("aside").get_by_role("button", name=menu).click()
    page.locator("aside").get_by_role("link", name=item, exact=True).click()
    page.wait_for_load_state()


@pytest.fixture
def manager(world):
    return make_staff(world, world.north.office, StaffRole.OFFICE_MANAGER, "ma@north.example.com", "Ma Manager")


@pytest.fixture
def other_manager(world):
    return make_staff(world, world.south.office, StaffRole.OFFICE_MANAGER, "sun@south.example.com", "Sun South")


def test_an_office_manager_logs_in_with_a_code_creates_units_issues_an_invitation_and_audits_it(
    open_page, shot, world, manager
):
    page = open_page(locale="en-US")
    log_in_with_code(page, manager, shot)
    shot(page, "3-dashboard")
    assert_fits_phone(page, shot, "3-dashboard")

    # Property → Units: the office's own units, nobody else's.
    open_menu(page, "Property", "Units")
    assert page.url.endswith("/backoffice/properties/units/")
    listing = page.locator("main table")
    assert "1501" in listing.inner_text() and "1502" in listing.inner_text()
    assert "Lake View" not in page.locator("main").inner_text()
    shot(page, "4-units")
    assert_fits_phone(page, shot, "4-units")

    # Batch creation: floors 1–2, two units a floor.
    open_menu(page, "Property", "Create units in batch")
    page.select_option("select[name=building]", str(world.north.building.pk))
    page.fill("input[name=first_floor]", "1")
    page.fill("input[name=last_floor]", "2")
    page.fill("input[name=units_per_floor]", "2")
    page.fill("input[name=areas]", "88.5, 92")
    page.select_option("select[name=grid]", str(world.north.grid.pk))
    shot(page, "5-batch-form")
    assert_fits_phone(page, shot, "5-batch-form")
    page.locator("main form button[type=submit], main form input[type=submit]").first.click()
    page.wait_for_load_state()

    assert "/backoffice/properties/units/" in page.url
    created = Unit.objects.filter(building=world.north.building, floor__lte=2).order_by("number")
    assert [(u.number, str(u.floor_area)) for u in created] == [
        ("101", "88.50"),
        ("102", "92.00"),
        ("201", "88.50"),
        ("202", "92.00"),
    ]
    listing_text = page.locator("main").inner_text()
    for number in ("101", "102", "201", "202"):
        assert number in listing_text
    shot(page, "6-units-after-batch")

    # An invitation code for the new unit 3-201.
    unit = created.get(number="201")
    open_menu(page, "People", "Invitations")
    page.locator("main").get_by_role("link", name="Issue an invitation code").first.click()
    page.wait_for_load_state()
    page.select_option("select[name=building]", str(world.north.building.pk))
    page.fill("input[name=number]", "201")
    page.select_option("select[name=role]", "owner")
    page.fill("input[name=note]", "for Mr Qian, buyer of 3-201")
    shot(page, "7-invitation-form")
    page.locator("main form button[type=submit], main form input[type=submit]").first.click()
    page.wait_for_load_state()

    invitation = Invitation.objects.get(unit=unit)
    assert invitation.issued_by == manager
    assert page.locator(".invitation-slip .code").inner_text() == format_code(invitation.code)
    shot(page, "8-invitation-slip")
    assert_fits_phone(page, shot, "8-invitation-slip")

    # The audit log shows who did it.
    page.get_by_role("link", name="Audit log").click()
    page.wait_for_url("**/backoffice/audit/")
    log = page.locator("main table").inner_text()
    assert "Ma Manager" in log
    for number in ("101", "102", "201", "202"):
        assert f"Green Garden 3-{number}" in log
    assert format_code(invitation.code) in log or invitation.code in log
    entries = AuditEntry.objects.filter(actor_id=manager.pk)
    assert entries.filter(object_type="properties.Unit").count() == 4
    assert entries.filter(object_type="people.Invitation").count() == 1
    shot(page, "9-audit-log")
    assert_fits_phone(page, shot, "9-audit-log")


def test_a_manager_of_another_office_gets_404_for_the_first_office_unit(open_page, shot, world, other_manager):
    unit = world.north.units[0]
    page = open_page(locale="en-US")
    log_in_with_code(page, other_manager)

    response = page.goto(f"/backoffice/properties/units/{unit.pk}/edit/")
    assert response.status == 404
    shot(page, "1-edit-404")
    assert page.goto(f"/backoffice/properties/units/{unit.pk}/").status == 404  # the linked lookup too

    page.goto("/backoffice/properties/units/")
    listing = page.locator("main").inner_text()
    assert "Green Garden" not in listing
    assert "Lake View" in listing
    shot(page, "2-own-units-only")


def test_staff_without_an_authenticator_are_sent_to_set_one_up_and_then_reach_the_back_office(open_page, shot, world):
    desk = make_staff(
        world, world.north.office, StaffRole.FRONT_DESK, "fang@north.example.com", "Fang Desk", totp=False
    )
    page = open_page(locale="en-US")

    log_in(page, desk)
    page.goto("/backoffice/")

    assert "/accounts/2fa/totp/activate/" in page.url
    assert page.locator("main").get_by_text("Staff accounts must be protected with an authenticator app").is_visible()
    assert page.locator("main img[src^='data:image/svg+xml']").is_visible()
    shot(page, "1-setup")
    assert_fits_phone(page, shot, "1-setup")

    secret = page.input_value("#authenticator_secret")
    page.fill("input[name=code]", fresh_code(secret))
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    shot(page, "2-after-activation")

    assert Authenticator.objects.filter(user=desk, type=Authenticator.Type.TOTP).exists()
    page.goto("/backoffice/")
    assert page.url.endswith("/backoffice/")
    shot(page, "3-backoffice")
