"""The desk checks people in, marks no-shows (repeated ones suspend), charges extras; classes enrol, attend, pay out."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from commerce.ledger.services import household_balance
from portal.clubhouse import services
from portal.clubhouse.models import (
    Attendance,
    Booking,
    ClassSession,
    ClubhouseSettings,
    Enrolment,
    Extra,
    Suspension,
    Teacher,
    TrainingClass,
)

from .conftest import at, household

pytestmark = pytest.mark.django_db


def test_the_desk_checks_in_a_booking_on_its_day(resident, unit, gym, desk):
    booking = services.book(resident, unit, gym, at(1, 10), 2)
    with pytest.raises(services.BookingRefused) as refused:
        services.check_in(booking, desk)
    assert refused.value.code == "day"

    done = services.check_in(booking, desk, now=at(1, 9, 50))
    assert done.status == Booking.Status.CHECKED_IN
    assert list(done.events.values_list("status", flat=True)) == ["confirmed", "checked_in"]


def test_staff_of_another_office_cannot_check_in(resident, unit, gym, other_desk):
    booking = services.book(resident, unit, gym, at(1, 10), 2)
    with pytest.raises(PermissionDenied):
        services.check_in(booking, other_desk, now=at(1, 9, 50))


def test_repeated_no_shows_suspend_the_household_for_the_configured_period(
    resident, unit, gym, desk, site, django_capture_on_commit_callbacks
):
    from notifications.models import Notification

    ClubhouseSettings.objects.create(office=site.office, no_show_limit=2, no_show_window_days=30, suspension_days=10)
    first = services.book(resident, unit, gym, at(1, 10), 1)
    second = services.book(resident, unit, gym, at(2, 10), 1)

    services.mark_no_show(first, desk, now=at(1, 11))
    assert not Suspension.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.mark_no_show(second, desk, now=at(2, 11))

    suspension = Suspension.objects.get()
    assert suspension.unit == unit and suspension.until == at(2, 11).date() + datetime.timedelta(days=10)
    assert Notification.objects.filter(recipient=resident, event="clubhouse.suspended").exists()
    with pytest.raises(services.BookingRefused) as refused:
        services.book(resident, unit, gym, at(3, 10), 1, now=at(2, 12))
    assert refused.value.code == "suspended"


def test_a_no_show_cannot_be_marked_before_the_slot_starts(resident, unit, gym, desk):
    booking = services.book(resident, unit, gym, at(1, 10), 1)
    with pytest.raises(services.BookingRefused):
        services.mark_no_show(booking, desk)


def test_extra_consumption_is_charged_to_the_household_once_per_request(unit, desk, site):
    first = services.charge_extra(desk, unit, "2 bottles of water", "8.00", request_key="k1")
    again = services.charge_extra(desk, unit, "2 bottles of water", "8.00", request_key="k1")

    assert first == again and Extra.objects.count() == 1
    assert first.bill.source == "clubhouse:extra:k1" and household_balance(unit) == Decimal("8.00")


@pytest.mark.parametrize(("what", "amount", "words"), [("", "5", "Say what"), ("Water", "0", "more than zero")])
def test_bad_extras_are_refused_and_charge_nothing(unit, desk, what, amount, words):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        services.charge_extra(desk, unit, what, amount, request_key="bad")
    assert words in " ".join(refused.value.messages) and household_balance(unit) == Decimal("0.00")


def test_the_desk_screen_lists_the_days_bookings_of_its_office_only(client, resident, unit, gym, desk, other_desk):
    booking = services.book(resident, unit, gym, at(1, 10), 2)
    url = reverse("clubhouse_desk") + f"?day={at(1, 10).date().isoformat()}"

    client.force_login(desk)
    assert booking.reference in client.get(url).content.decode()
    client.force_login(other_desk)
    assert booking.reference not in client.get(url).content.decode()
    response = client.post(reverse("clubhouse_desk"), {"booking": booking.pk, "action": "cancel"})
    assert response.status_code == 404 and Booking.objects.get().status == "confirmed"


def test_the_desk_cancels_a_booking_with_a_full_refund(client, resident, unit, room, desk):
    booking = services.book(resident, unit, room, at(1, 10), 2, "household")
    client.force_login(desk)
    client.post(reverse("clubhouse_desk"), {"booking": booking.pk, "action": "cancel"})
    booking.refresh_from_db()
    assert booking.status == "cancelled" and booking.refunded == Decimal("200.00")
    assert household_balance(unit) == Decimal("0.00")


def test_the_desk_charges_an_extra_through_the_form(client, unit, desk):
    client.force_login(desk)
    response = client.post(
        reverse("clubhouse_extra"),
        {"unit": unit.pk, "description": "Racket rental", "amount": "20", "request_key": "r1"},
    )
    assert response.status_code == 302 and Extra.objects.get().amount == Decimal("20.00")


# --- training classes -----------------------------------------------------------------------


@pytest.fixture
def calligraphy(site):
    teacher = Teacher.objects.create(office=site.office, name="Zhou Lan")
    cls = TrainingClass.objects.create(
        community=site.community,
        title="Calligraphy",
        teacher=teacher,
        capacity=2,
        fee=Decimal("480.00"),
        teacher_percent=Decimal("70"),
    )
    ClassSession.objects.create(training_class=cls, starts_at=at(3, 9), ends_at=at(3, 11))
    ClassSession.objects.create(training_class=cls, starts_at=at(10, 9), ends_at=at(10, 11))
    return cls


def test_enrolling_charges_the_fee_and_holds_a_place(resident, unit, calligraphy):
    enrolment = services.enrol(resident, unit, calligraphy, "Li Xiaoming", "household")

    assert enrolment.status == Enrolment.Status.ENROLLED and enrolment.bill.total == Decimal("480.00")
    calligraphy.refresh_from_db()
    assert calligraphy.enrolled == 1 and household_balance(unit) == Decimal("480.00")


def test_a_full_class_refuses_and_a_student_enrols_only_once(resident, unit, site, calligraphy):
    services.enrol(resident, unit, calligraphy, "Li Xiaoming", "household")
    with pytest.raises(services.BookingRefused) as twice:
        services.enrol(resident, unit, calligraphy, "Li Xiaoming", "household")
    assert twice.value.code == "duplicate"
    services.enrol(resident, unit, calligraphy, "Li Xiaohong", "household")
    other_unit, other = household(site, "0808")
    with pytest.raises(services.BookingRefused) as full:
        services.enrol(other, other_unit, calligraphy, "Wang", "household")
    assert full.value.code == "full" and "is full" in full.value.messages[0]


def test_cancelling_an_enrolment_before_the_class_refunds_and_frees_the_place(resident, unit, calligraphy):
    enrolment = services.enrol(resident, unit, calligraphy, "Li Xiaoming", "household")
    services.cancel_enrolment(enrolment, resident)
    calligraphy.refresh_from_db()
    assert calligraphy.enrolled == 0 and household_balance(unit) == Decimal("0.00")


def test_attendance_is_recorded_per_session(resident, unit, calligraphy, desk):
    a = services.enrol(resident, unit, calligraphy, "Li Xiaoming", "household")
    b = services.enrol(resident, unit, calligraphy, "Li Xiaohong", "household")
    session = calligraphy.sessions.first()

    assert services.mark_attendance(session, [a.pk], desk) == 1
    assert dict(Attendance.objects.values_list("enrolment_id", "present")) == {a.pk: True, b.pk: False}


def test_the_payout_report_splits_fees_between_teacher_and_company(resident, unit, site, manager):
    teacher = Teacher.objects.create(office=site.office, name="Zhou Lan")
    piano = TrainingClass.objects.create(
        community=site.community,
        title="Piano",
        teacher=teacher,
        capacity=10,
        fee=Decimal("333.33"),
        teacher_percent=Decimal("65"),
    )
    chess = TrainingClass.objects.create(
        community=site.community,
        title="Chess",
        teacher=teacher,
        capacity=10,
        fee=Decimal("100.00"),
        teacher_percent=Decimal("50"),
    )
    for name in ("A", "B", "C"):
        services.enrol(resident, unit, piano, name, "household")
    services.enrol(resident, unit, chess, "A", "household")
    today = timezone.localdate()

    lines, totals = services.payout_report(manager, today, today)

    piano_line = next(line for line in lines if line.training_class == piano)
    assert piano_line.gross == Decimal("999.99")
    assert piano_line.teacher_share == Decimal("649.99")  # 999.99 × 65 percent = 649.9935, rounded once
    assert piano_line.company_share == Decimal("350.00")
    assert totals["gross"] == Decimal("1099.99") and totals["teacher"] == Decimal("699.99")
    assert totals["teacher"] + totals["company"] == totals["gross"]
    assert totals["by_teacher"] == {teacher: Decimal("699.99")}


def test_the_payout_report_of_another_office_shows_nothing(resident, unit, calligraphy, other_site):
    from portal.people.models import StaffRole
    from tests.properties.conftest import staff

    services.enrol(resident, unit, calligraphy, "Li", "household")
    other_manager = staff(StaffRole.OFFICE_MANAGER, other_site.office)
    today = timezone.localdate()
    assert services.payout_report(other_manager, today, today)[0] == []


def test_a_resident_enrols_through_the_class_page(client, resident, unit, calligraphy):
    client.force_login(resident)
    response = client.post(
        reverse("clubhouse:class", args=[calligraphy.pk]),
        {"student": "Li Xiaoming", "method": "household", "unit": unit.pk},
    )
    assert response.status_code == 302 and Enrolment.objects.get().status == "enrolled"
