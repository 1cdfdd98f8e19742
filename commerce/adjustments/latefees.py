"""Late fees (滞纳金): the nightly accrual and their waiver by an office manager.

A late fee is charged day by day, one ``BillAdjustment`` and one ledger posting
(``latefee:<bill>:<YYYY-MM-DD>``) per bill and day, so a re-run or a catch-up after missed nights
charges nothing twice. The fee of day D is the office's daily rate on the charges still unpaid at the
start of day D (payments, waivers and discounts made before D count; late fees do not compound),
from the day after the due date and grace days, and stops at the policy's cap. Only household bills
accrue: bills of unsold units, paid by the developer, never do.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from commerce.billing.models import Bill
from commerce.ledger import services as ledger
from commerce.ledger.models import AccountKind
from commerce.money import format_money, parse_amount, round_money, to_decimal
from commerce.payments.models import Payment, PaymentAllocation, Refund, RefundAllocation
from portal.access import may_act_in_office
from portal.people.models import StaffRole

from .models import BillAdjustment, LateFeePolicy
from .totals import late_fees_by_bill

LATE_FEE_CODE = "late-fee"
CHUNK_SIZE = 500
POLICY_ROLES = (StaffRole.OFFICE_MANAGER,)
LATE_FEE_WAIVER_ROLES = (StaffRole.OFFICE_MANAGER,)
ZERO = Decimal("0.00")
DAY = datetime.timedelta(days=1)


def late_fee_account(company, office):
    return ledger.system_account(company, AccountKind.INCOME, charge_code=LATE_FEE_CODE, office=office)


def may_edit_policy(user, office) -> bool:
    return may_act_in_office(user, POLICY_ROLES, office)


def may_waive_late_fees(user, office) -> bool:
    return may_act_in_office(user, LATE_FEE_WAIVER_ROLES, office)


def save_policy(policy: LateFeePolicy, by) -> LateFeePolicy:
    if not may_edit_policy(by, policy.office):
        raise PermissionDenied(_("Only a manager of this office can change its late-fee policy."))
    policy.full_clean()
    policy.updated_by = by
    policy.save()
    return policy


# The accrual -------------------------------------------------------------------------------------


@dataclass
class BillFacts:
    """What the accrual needs to know of one bill, read in batches."""

    bill: Bill
    charged: Decimal = ZERO  # late fees charged so far (waivers do not make room under the cap)
    last_fee_day: datetime.date | None = None
    principal_adjusted: Decimal = ZERO  # Σ waivers and discounts (negative)
    # (local date, signed change of the unpaid charges): payments negative, waivers/discounts negative
    events: list[tuple[datetime.date, Decimal]] | None = None


def _facts(bills: list[Bill]) -> dict[int, BillFacts]:
    facts = {bill.pk: BillFacts(bill, events=[]) for bill in bills}
    ids = list(facts)
    late = (
        BillAdjustment.objects.filter(bill_id__in=ids, kind=BillAdjustment.Kind.LATE_FEE)
        .values("bill_id")
        .annotate(cents=ledger.sum_in_cents(), last=Max("accrual_date"))
        .order_by()
    )
    for row in late:
        facts[row["bill_id"]].charged = ledger.from_cents(row["cents"])
        facts[row["bill_id"]].last_fee_day = row["last"]
    principal = BillAdjustment.objects.filter(bill_id__in=ids, kind__in=BillAdjustment.PRINCIPAL_KINDS).values_list(
        "bill_id", "amount", "created_at"
    )
    for bill_id, amount, created_at in principal:
        facts[bill_id].principal_adjusted += amount
        facts[bill_id].events.append((timezone.localdate(created_at), amount))
    payments = PaymentAllocation.objects.filter(bill_id__in=ids, payment__status=Payment.Status.SUCCEEDED).values_list(
        "bill_id", "amount", "payment__succeeded_at"
    )
    for bill_id, amount, paid_at in payments:
        facts[bill_id].events.append((timezone.localdate(paid_at), -amount))
    # A refund makes the bill owe again from the day it went through, and late fees resume.
    refunds = RefundAllocation.objects.filter(bill_id__in=ids, refund__status=Refund.Status.SUCCEEDED).values_list(
        "bill_id", "amount", "refund__decided_at"
    )
    for bill_id, amount, refunded_at in refunds:
        facts[bill_id].events.append((timezone.localdate(refunded_at), amount))
    return facts


def fees_due(policy: LateFeePolicy, facts: BillFacts, today: datetime.date) -> list[tuple[datetime.date, Decimal]]:
    """The late fees (day, amount) still to charge on one bill up to and including ``today``. Pure."""
    bill = facts.bill
    start = policy.first_fee_day(bill)
    if facts.last_fee_day is not None:
        start = max(start, facts.last_fee_day + DAY)
    if start > today:
        return []
    room = None
    if policy.cap_percent is not None:
        cap = round_money((bill.total + facts.principal_adjusted) * policy.cap_percent / Decimal(100))
        room = cap - facts.charged
    events = sorted(facts.events)
    unpaid, next_event = bill.total, 0
    fees = []
    day = start
    while day <= today:
        while next_event < len(events) and events[next_event][0] < day:
            unpaid += events[next_event][1]
            next_event += 1
        fee = round_money(unpaid * policy.daily_rate) if unpaid > 0 else ZERO
        if room is not None:
            fee = min(fee, room)
            room -= fee
        if fee > 0:
            fees.append((day, fee))
            day += DAY
            continue
        if room is not None and room <= 0:
            break  # the cap is reached for good
        # Nothing owed (or too little for a cent): only a later refund can change that; skip to it.
        if next_event >= len(events):
            break
        day = max(day + DAY, events[next_event][0] + DAY)
    return fees


@dataclass
class AccrualResult:
    bills: int = 0
    days: int = 0
    total: Decimal = ZERO
    errors: int = 0


def overdue_bills(policy: LateFeePolicy, today: datetime.date):
    """Household bills of the office whose first late-fee day has come."""
    latest_end = today - datetime.timedelta(days=policy.due_days + policy.grace_days + 1)
    return Bill.objects.filter(
        office=policy.office_id, status=Bill.Status.ISSUED, payer=Bill.Payer.HOUSEHOLD, period_end__lte=latest_end
    )


def accrue_office(office_id: int, today: datetime.date | None = None) -> AccrualResult:
    """Charge every late fee due in the office up to ``today`` (default: the local date). Idempotent."""
    today = today or timezone.localdate()
    result = AccrualResult()
    policy = LateFeePolicy.objects.select_related("office__region__company").filter(office_id=office_id).first()
    if policy is None or not policy.charges_late_fees:
        return result
    company = policy.office.region.company
    income = late_fee_account(company, policy.office)
    ids = list(overdue_bills(policy, today).order_by("pk").values_list("pk", flat=True))
    for offset in range(0, len(ids), CHUNK_SIZE):
        bills = list(
            Bill.objects.filter(pk__in=ids[offset : offset + CHUNK_SIZE])
            .select_related("unit__building__community__office__region__company")
            .order_by("pk")
        )
        for facts in _facts(bills).values():
            fees = fees_due(policy, facts, today)
            if not fees:
                continue
            try:
                charged = _charge(policy, facts, fees, income)
            except OperationalError:
                raise
            except (IntegrityError, ledger.IdempotencyConflict, ValidationError):
                result.errors += 1  # another worker charged the bill meanwhile, or it changed: next run
                continue
            if charged:
                result.bills += 1
                result.days += len(charged)
                result.total += sum((fee for _day, fee in charged), ZERO)
    return result


def _charge(policy, facts: BillFacts, fees, income) -> list[tuple[datetime.date, Decimal]]:
    """Post one bill's fees in one transaction, under the bill's row lock."""
    bill = facts.bill
    household = ledger.household_account(bill.unit)
    with transaction.atomic():
        locked = Bill.objects.select_for_update().filter(pk=bill.pk, status=Bill.Status.ISSUED).first()
        last = BillAdjustment.objects.filter(bill=bill, kind=BillAdjustment.Kind.LATE_FEE).aggregate(
            last=Max("accrual_date")
        )["last"]
        if locked is None or last != facts.last_fee_day:
            return []  # voided, or charged by another worker since the facts were read
        adjustments = []
        for day, fee in fees:
            posting = ledger.post(
                key=f"latefee:{bill.pk}:{day:%Y-%m-%d}",
                company=income.company,
                office=policy.office,
                lines=[(household, fee), (income, -fee)],
                memo=_("Late fee %(day)s, bill %(month)s, %(unit)s")
                % {"day": f"{day:%Y-%m-%d}", "month": f"{bill.period_start:%Y-%m}", "unit": bill.unit},
                kind="late_fee",
            )
            adjustments.append(
                BillAdjustment(
                    bill=bill, kind=BillAdjustment.Kind.LATE_FEE, amount=fee, accrual_date=day, posting=posting
                )
            )
        BillAdjustment.objects.bulk_create(adjustments)
    return fees


def accrue_all(today: datetime.date | None = None) -> dict[int, AccrualResult]:
    """Every office with a charging policy, one after the other (the task fans out per office instead)."""
    return {office_id: accrue_office(office_id, today) for office_id in charging_office_ids()}


def charging_office_ids() -> list[int]:
    return list(
        LateFeePolicy.objects.filter(mode=LateFeePolicy.Mode.DAILY_RATE)
        .order_by("office_id")
        .values_list("office_id", flat=True)
    )


# Waiving late fees --------------------------------------------------------------------------------


def waivable_late_fees(bill: Bill) -> Decimal:
    charged, waived = late_fees_by_bill([bill])[bill.pk]
    return charged - waived


def waive_late_fees(bill: Bill, by, reason: str, amount=None, *, token: str | None = None) -> BillAdjustment:
    """Waive all (``amount`` None) or part of a bill's late fees: a red-letter posting, managers only.

    ``token`` makes a resubmitted form post once: the same token returns the first waiver.
    """
    office = bill.office
    if not may_waive_late_fees(by, office):
        raise PermissionDenied(_("Only a manager of this office can waive late fees."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason for waiving the late fees."), code="reason")
    if amount is not None:
        amount = parse_amount(amount) if isinstance(amount, str) else to_decimal(amount, negative_ok=False)
        if amount <= 0:
            raise ValidationError(_("The amount must be more than zero."), code="zero")
    key = f"latefee-waiver:{bill.pk}:{token or uuid.uuid4().hex}"
    with transaction.atomic():
        Bill.objects.select_for_update().filter(pk=bill.pk).first()
        earlier = BillAdjustment.objects.filter(posting__idempotency_key=key).first()
        if earlier is not None:
            return earlier
        waivable = waivable_late_fees(bill)
        if waivable <= 0:
            raise ValidationError(_("This bill has no late fees left to waive."), code="nothing")
        amount = waivable if amount is None else amount
        if amount > waivable:
            raise ValidationError(
                _("%(amount)s is more than the %(waivable)s of late fees left to waive on this bill.")
                % {"amount": format_money(amount, bill.currency), "waivable": format_money(waivable, bill.currency)},
                code="over",
            )
        company = office.region.company
        posting = ledger.post(
            key=key,
            company=company,
            office=office,
            lines=[(debtor_account(bill), -amount), (late_fee_account(company, office), amount)],
            memo=_("Late fees waived, bill %(month)s, %(unit)s")
            % {"month": f"{bill.period_start:%Y-%m}", "unit": bill.unit},
            by=by,
            kind="waiver",
            reason=reason,
        )
        return BillAdjustment.objects.create(
            bill=bill,
            kind=BillAdjustment.Kind.LATE_FEE_WAIVER,
            amount=-amount,
            reason=reason[:300],
            posting=posting,
            created_by=by,
        )


def debtor_account(bill: Bill):
    if bill.payer == Bill.Payer.DEVELOPER:
        return ledger.system_account(bill.office.region.company, AccountKind.DEVELOPER, office=bill.office)
    return ledger.household_account(bill.unit)
