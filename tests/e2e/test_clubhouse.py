"""A resident books the function room for tomorrow, pays online, and sees it confirmed; the desk sees it too."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from portal.clubhouse.models import Booking, Facility, OpeningHours
from portal.people.models import StaffRole
from portal.people.services import add_staff_role
from tests.factories import DEFAULT_PASSWORD, AccountFactory, ResidentMembershipFactory

from .conftest import assert_fits_phone

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _no_staff_mfa(settings):
    settings.STAFF_MFA_REQUIRED = False
    settings.PAYMENT_GATEWAY = "dummy"


@pytest.fixture
def resident(world):
    user = AccountFactory(full_name="Li Ming", phone="+8613800001111")
    ResidentMembershipFactory(user=user, unit=world.north.units[0])
    return user


@pytest.fixture
def room(world):
    facility = Facility.objects.create(
        community=world.north.community,
        name="Function room",
        kind=Facility.Kind.FUNCTION_ROOM,
        capacity=30,
        exclusive=True,
        price=Decimal("200.00"),
        slot_minutes=120,
        location="Clubhouse, 2nd floor",
    )
    for weekday in range(7):
        OpeningHours.objects.create(
            facility=facility, weekday=weekday, opens=datetime.time(9), closes=datetime.time(21)
        )
    return facility


def log_in(page, login):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()


def test_a_resident_books_and_pays_for_the_function_room_and_the_desk_sees_it(open_page, shot, world, resident, room):
    page = open_page(locale="en")
    log_in(page, "138 0000 1111")
    page.goto("/clubhouse/")
    shot(page, "1-clubhouse")
    room_link = page.get_by_role("link", name="Function room")
    assert_fits_phone(page, shot, "1-clubhouse", actions=[room_link])
    room_link.click()
    page.wait_for_load_state()

    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    if tomorrow.weekday() == 0:  # tomorrow is in next week's calendar
        page.get_by_role("link", name="Next week ›").click()
    slot = page.locator(f"a[href*='at={tomorrow.isoformat()}T13:00']")
    assert_fits_phone(page, shot, "2-calendar", actions=[slot])
    slot.click()
    page.fill("input[name=people]", "12")
    page.check("input[value=online]")
    book = page.get_by_role("button", name="Book")
    assert_fits_phone(page, shot, "3-book", actions=[book])
    book.click()

    page.wait_for_url("**/pay/test-gateway/**")
    assert "¥200.00" in page.locator("main").inner_text()
    succeed = page.get_by_role("button", name="Pay successfully")
    assert_fits_phone(page, shot, "3b-test-gateway", actions=[succeed])
    succeed.click()
    page.wait_for_load_state()
    booking = Booking.objects.get()
    assert booking.status == Booking.Status.CONFIRMED and booking.people == 12

    page.goto(f"/clubhouse/bookings/{booking.pk}/")
    assert page.get_by_text("Confirmed").first.is_visible()
    assert_fits_phone(page, shot, "4-booking")

    manager = AccountFactory(email="desk@north.example.com", full_name="Chen Jing")
    add_staff_role(manager, company=world.company, role=StaffRole.OFFICE_MANAGER, office=world.north.office)
    staff_page = open_page(locale="en", viewport={"width": 1280, "height": 900})
    log_in(staff_page, manager.email)
    staff_page.goto(f"/backoffice/clubhouse/desk/?day={tomorrow.isoformat()}")
    assert staff_page.get_by_text(booking.reference).is_visible()
    shot(staff_page, "5-desk")
    staff_page.goto("/backoffice/clubhouse/utilisation/")
    shot(staff_page, "6-utilisation")
