"""A full class keeps a waitlist; teachers' shares are posted to "teacher payable" and paid, once."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from commerce.ledger.models import AccountKind
from commerce.ledger.services import balance, system_account
from notifications.models import Notification
from portal.clubhouse import payouts, services
from portal.clubhouse.models import (
    ClassSession,
    ClassWaitlistEntry,
    Enrolment,
    Teacher,
    TeacherPayout,
    TrainingClass,
)

from .conftest import at, household

pytestmark = pytest.mark.django_db


@pytest.fixture
def teacher(site):
    return Teacher.objects.create(office=site.office, name="Zhou Lan")


@pytest.fixture
def painting(site, teacher):
    cls = TrainingClass.objects.create(
        community=site.community,
        title="Painting",
        teacher=teacher,
        capacity=1,
        fee=Decimal("300.00"),
        teacher_percent=Decimal("60"),
    )
    ClassSession.objects.create(training_class=cls, starts_at=at(3, 9), ends_at=at(3, 11))
    return cls


# --- waitlist ---------------------------------------------------------------------------------


def test_a_full_class_offers_its_waitlist_and_a_withdrawal_promotes_the_first(
    site, resident, unit, painting, django_capture_on_commit_callbacks
):
    first = services.enrol(resident, unit, painting, "Li Xiaoming", "household")
    second_unit, second = household(site, "0501", full_name="Wang")
    third_unit, third = household(site, "0502", full_name="Zhao")
    with pytest.raises(services.BookingRefused) as full:
        services.enrol(second, second_unit, painting, "Wang Xiao", "household")
    assert full.value.code == "full" and "waitlist" in full.value.messages[0]

    waiting = services.join_class_waitlist(second, second_unit, painting, "Wang Xiao", "household")
    services.join_class_waitlist(third, third_unit, painting, "Zhao Xiao", "household")
    with pytest.raises(services.BookingRefused) as twice:
        services.join_class_waitlist(second, second_unit, painting, "Wang Xiao", "household")
    assert twice.value.code == "duplicate"

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_enrolment(first, resident)

    waiting.refresh_from_db()
    assert waiting.status == ClassWaitlistEntry.Status.PROMOTED
    enrolment = waiting.enrolment
    assert enrolment.status == Enrolment.Status.ENROLLED and enrolment.from_waitlist
    assert enrolment.bill.total == Decimal("300.00")
    painting.refresh_from_db()
    assert painting.enrolled == 1
    assert Notification.objects.filter(recipient=second, event="clubhouse.class_waitlist_promoted").exists()
    assert ClassWaitlistEntry.objects.get(student="Zhao Xiao").status == ClassWaitlistEntry.Status.WAITING
    assert not Notification.objects.filter(recipient=third).exists()


def test_joining_the_waitlist_of_a_class_with_room_is_refused(resident, unit, painting):
    with pytest.raises(services.BookingRefused) as refused:
        services.join_class_waitlist(resident, unit, painting, "Li", "household")
    assert refused.value.code == "not_full"


def test_a_withdrawn_entry_is_skipped(site, resident, unit, painting):
    first = services.enrol(resident, unit, painting, "Li Xiaoming", "household")
    other_unit, other = household(site, "0601")
    entry = services.join_class_waitlist(other, other_unit, painting, "Sun", "household")
    services.withdraw_class_waitlist(entry, other)
    services.cancel_enrolment(first, resident)
    entry.refresh_from_db()
    assert entry.status == ClassWaitlistEntry.Status.WITHDRAWN
    assert not Enrolment.objects.filter(unit=other_unit).exists()


def test_the_class_page_offers_the_waitlist_when_full(client, site, resident, unit, painting):
    other_unit, other = household(site, "0701")
    services.enrol(other, other_unit, painting, "Sun", "household")
    client.force_login(resident)
    page = client.get(reverse("clubhouse:class", args=[painting.pk])).content.decode()
    assert "Join the waitlist" in page
    client.post(
        reverse("clubhouse:class", args=[painting.pk]),
        {"action": "waitlist", "student": "Li Xiaoming", "method": "household", "unit": unit.pk},
    )
    entry = ClassWaitlistEntry.objects.get()
    assert entry.student == "Li Xiaoming" and entry.status == ClassWaitlistEntry.Status.WAITING
    page = client.get(reverse("clubhouse:class", args=[painting.pk])).content.decode()
    assert "Leave the waitlist" in page


# --- payouts ----------------------------------------------------------------------------------


def _payable(site):
    return balance(system_account(site.office.region.company, AccountKind.TEACHER_PAYABLE, office=site.office))


def _cash(site):
    return balance(system_account(site.office.region.company, AccountKind.CASH, office=site.office))


def _class_income(site):
    return balance(
        system_account(site.office.region.company, AccountKind.INCOME, charge_code="class", office=site.office)
    )


def _enrol_many(site, cls, names):
    for index, name in enumerate(names):
        unit, user = household(site, f"08{index:02d}")
        services.enrol(user, unit, cls, name, "household")


def test_posting_a_payout_moves_the_teachers_share_to_teacher_payable(site, teacher, painting, manager):
    painting.capacity = 5
    painting.save()
    _enrol_many(site, painting, ["A", "B", "C"])
    today = timezone.localdate()

    payout = payouts.post_payout(manager, teacher, today, today)

    assert payout.gross == Decimal("900.00") and payout.amount == Decimal("540.00")
    assert payout.status == TeacherPayout.Status.DUE
    assert _payable(site) == Decimal("-540.00")
    assert _class_income(site) == Decimal("-360.00")  # the company keeps 40 percent
    assert Enrolment.objects.filter(payout=payout).count() == 3

    # Posting the same period again returns the same payout and posts nothing more.
    assert payouts.post_payout(manager, teacher, today, today) == payout
    assert TeacherPayout.objects.count() == 1 and _payable(site) == Decimal("-540.00")

    # A later enrolment goes into the next payout only.
    unit, user = household(site, "0901")
    services.enrol(user, unit, painting, "D", "household")
    later = payouts.post_payout(manager, teacher, today, today)
    assert later != payout and later.amount == Decimal("180.00")
    assert _payable(site) == Decimal("-720.00")


def test_marking_a_payout_paid_posts_the_payment_once(site, teacher, painting, manager):
    _enrol_many(site, painting, ["A"])
    today = timezone.localdate()
    payout = payouts.post_payout(manager, teacher, today, today)

    paid = payouts.mark_paid(manager, payout, "Bank transfer 8812")
    assert paid.status == TeacherPayout.Status.PAID and paid.payment_reference == "Bank transfer 8812"
    assert _payable(site) == Decimal("0.00") and _cash(site) == Decimal("-180.00")

    again = payouts.mark_paid(manager, payout, "again")
    assert again.payment_posting_id == paid.payment_posting_id and _cash(site) == Decimal("-180.00")


def test_payout_refusals(site, teacher, painting, manager, desk, other_site):
    from portal.people.models import StaffRole
    from tests.properties.conftest import staff

    today = timezone.localdate()
    with pytest.raises(ValidationError) as nothing:
        payouts.post_payout(manager, teacher, today, today)
    assert nothing.value.code == "nothing"
    _enrol_many(site, painting, ["A"])
    with pytest.raises(PermissionDenied):
        payouts.post_payout(desk, teacher, today, today)
    with pytest.raises(PermissionDenied):
        payouts.post_payout(staff(StaffRole.OFFICE_MANAGER, other_site.office), teacher, today, today)
    with pytest.raises(ValidationError) as future:
        payouts.post_payout(manager, teacher, today, today + datetime.timedelta(days=1))
    assert future.value.code == "open"
    painting.teacher_percent = Decimal("0")
    painting.save()
    with pytest.raises(ValidationError) as zero:
        payouts.post_payout(manager, teacher, today, today)
    assert zero.value.code == "zero"


def test_the_payout_screen_posts_and_pays(client, site, teacher, painting, manager):
    _enrol_many(site, painting, ["A"])
    today = timezone.localdate().isoformat()
    client.force_login(manager)
    url = reverse("clubhouse_payout")
    page = client.get(url, {"start": today, "end": today}).content.decode()
    assert "Post payout of" in page

    client.post(url, {"action": "post", "teacher": teacher.pk, "start": today, "end": today})
    payout = TeacherPayout.objects.get()
    page = client.get(url, {"start": today, "end": today}).content.decode()
    assert payout.reference in page and "Mark as paid" in page

    client.post(url, {"action": "paid", "payout": payout.pk, "reference": "TX-1", "start": today, "end": today})
    payout.refresh_from_db()
    assert payout.status == TeacherPayout.Status.PAID
