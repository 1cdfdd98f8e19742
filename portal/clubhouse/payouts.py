"""Teacher payouts: the teacher's share of class fees posted to the ledger, then paid.

Ledger (debit positive, credit negative), on the office's accounts:
- posted: income "class" +share, teacher payable −share   key ``clubhouse:payout:<teacher>:<period>:<first id>``
- paid:   teacher payable +share, cash −share             key ``clubhouse:payout:<id>:paid``

An enrolment is paid out once: posting a payout links the period's enrolments not yet in a payout, so a
repeated or overlapping request adds nothing. The share of each class is rounded once, as in the report.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commerce.ledger import services as ledger
from commerce.ledger.models import AccountKind
from commerce.money import round_money
from portal.access import may_act_in_office

from .models import Enrolment, Teacher, TeacherPayout

ZERO = Decimal("0.00")
HUNDRED = Decimal("100")


def _require_manager(user, office) -> None:
    from .services import MANAGE_ROLES

    if not may_act_in_office(user, MANAGE_ROLES, office):
        raise PermissionDenied(_("Only the office manager may post or pay teacher payouts."))


def _bounds(start: datetime.date, end: datetime.date):
    from .services import _aware

    return _aware(start, datetime.time.min), _aware(end + datetime.timedelta(days=1), datetime.time.min)


def open_enrolments(teacher: Teacher, start: datetime.date, end: datetime.date):
    """Paid enrolments of the teacher's classes in [start, end] that no payout includes yet."""
    first, last = _bounds(start, end)
    return Enrolment.objects.filter(
        training_class__teacher=teacher,
        status=Enrolment.Status.ENROLLED,
        payout__isnull=True,
        enrolled_at__gte=first,
        enrolled_at__lt=last,
    )


def share_of(enrolments) -> tuple[Decimal, Decimal]:
    """(fees, the teacher's share) of these enrolments, the share rounded once per class."""
    gross, share = ZERO, ZERO
    per_class: dict = {}
    for enrolment in enrolments.select_related("training_class"):
        cls = enrolment.training_class
        per_class.setdefault(cls.pk, [cls, ZERO])[1] += enrolment.amount
    for cls, fees in per_class.values():
        gross += fees
        share += round_money(fees * cls.teacher_percent / HUNDRED)
    return gross, share


def post_payout(by, teacher: Teacher, start: datetime.date, end: datetime.date) -> TeacherPayout:
    """Work out and post the teacher's share of the period. Posting it again returns the payout already made."""
    if end < start:
        raise ValidationError(_("The period must end after it starts."), code="period")
    if end > timezone.localdate():
        raise ValidationError(
            _("A payout covers days that have passed: end the period today at the latest."), code="open"
        )
    office = teacher.office
    _require_manager(by, office)
    with transaction.atomic():
        Teacher.objects.select_for_update().get(pk=teacher.pk)  # one payout decision per teacher at a time
        enrolments = open_enrolments(teacher, start, end)
        ids = sorted(enrolments.values_list("pk", flat=True))
        if not ids:
            existing = TeacherPayout.objects.filter(teacher=teacher, period_start=start, period_end=end).first()
            if existing:
                return existing
            raise ValidationError(
                _("%(teacher)s has no class fees in this period that are not already paid out.") % {"teacher": teacher},
                code="nothing",
            )
        gross, share = share_of(Enrolment.objects.filter(pk__in=ids))
        if share <= 0:
            raise ValidationError(
                _("%(teacher)s's share of these fees is zero: nothing to pay out.") % {"teacher": teacher},
                code="zero",
            )
        from .services import charge_item

        company = office.region.company
        income = ledger.system_account(
            company, AccountKind.INCOME, charge_code=charge_item(office, "class").code, office=office
        )
        payable = ledger.system_account(company, AccountKind.TEACHER_PAYABLE, office=office)
        posting = ledger.post(
            key=f"clubhouse:payout:{teacher.pk}:{start:%Y%m%d}-{end:%Y%m%d}:{ids[0]}",
            company=company,
            office=office,
            lines=[(income, share), (payable, -share)],
            memo=_("Teacher's share for %(teacher)s, %(start)s – %(end)s")
            % {"teacher": teacher, "start": start.isoformat(), "end": end.isoformat()},
            by=by,
            kind="teacher_payout",
        )
        payout = TeacherPayout.objects.create(
            teacher=teacher,
            period_start=start,
            period_end=end,
            gross=gross,
            amount=share,
            posting=posting,
            created_by=by,
        )
        Enrolment.objects.filter(pk__in=ids).update(payout=payout)
    return payout


def mark_paid(by, payout: TeacherPayout, reference: str = "") -> TeacherPayout:
    """The office paid the teacher: post the payment out of cash. Marking it again changes nothing."""
    _require_manager(by, payout.teacher.office)
    with transaction.atomic():
        payout = (
            TeacherPayout.objects.select_for_update()
            .select_related("teacher__office__region__company")
            .get(pk=payout.pk)
        )
        if payout.status == TeacherPayout.Status.PAID:
            return payout
        payout.check_transition(TeacherPayout.Status.PAID)
        office = payout.teacher.office
        company = office.region.company
        payout.payment_posting = ledger.post(
            key=f"clubhouse:payout:{payout.pk}:paid",
            company=company,
            office=office,
            lines=[
                (ledger.system_account(company, AccountKind.TEACHER_PAYABLE, office=office), payout.amount),
                (ledger.system_account(company, AccountKind.CASH, office=office), -payout.amount),
            ],
            memo=_("Paid %(teacher)s, payout %(ref)s") % {"teacher": payout.teacher, "ref": payout.reference},
            by=by,
            kind="teacher_payout_paid",
            reason=(reference or "").strip()[:300],
        )
        payout.status, payout.paid_by, payout.paid_at = TeacherPayout.Status.PAID, by, timezone.now()
        payout.payment_reference = (reference or "").strip()[:100]
        payout.save(update_fields=["status", "paid_by", "paid_at", "payment_reference", "payment_posting"])
    return payout


def payouts_in(user, start: datetime.date, end: datetime.date):
    """Payouts whose period overlaps [start, end], for the offices the user manages."""
    from .services import MANAGE_ROLES, scope

    return scope(
        user,
        TeacherPayout.objects.filter(period_start__lte=end, period_end__gte=start).select_related("teacher"),
        "teacher__office",
        MANAGE_ROLES,
    )
