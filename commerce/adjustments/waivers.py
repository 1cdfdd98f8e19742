"""Waivers and discounts (减免) of a bill's charges: requested by desk or billing staff, decided by a manager.

On approval the amount comes off the bill through a red-letter posting: the debtor (the household, or
the developer for an unsold unit) is credited and the income accounts of the bill's charge items are
debited in proportion to the bill's lines, in exact cents that add up to the amount.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_FLOOR, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commerce.billing.models import Bill
from commerce.ledger import services as ledger
from commerce.ledger.models import AccountKind
from commerce.money import format_money, parse_amount, round_money, to_decimal
from commerce.payments.services import paid_by_bill
from portal.access import may_act_in_office
from portal.people.models import StaffRole

from .latefees import debtor_account
from .models import AdjustmentRequest, BillAdjustment
from .totals import principal_adjustments_by_bill

REQUEST_ROLES = (StaffRole.FRONT_DESK, StaffRole.BILLING_CLERK, StaffRole.OFFICE_MANAGER)
DECIDE_ROLES = (StaffRole.OFFICE_MANAGER,)
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


def may_request(user, office) -> bool:
    return may_act_in_office(user, REQUEST_ROLES, office)


def may_decide(user, office) -> bool:
    return may_act_in_office(user, DECIDE_ROLES, office)


def charges_owed(bill: Bill) -> Decimal:
    """The bill's charges still unpaid: total less waivers and discounts less payments (late fees left out).

    Payments count against the charges first, so a waiver never takes back a late fee.
    """
    principal = bill.total + principal_adjustments_by_bill([bill])[bill.pk]
    return max(ZERO, principal - paid_by_bill([bill])[bill.pk])


def _check_bill(bill: Bill, amount: Decimal) -> None:
    month = f"{bill.period_start:%Y-%m}"
    if bill.status == Bill.Status.VOIDED:
        raise ValidationError(
            _("The bill of %(month)s was voided: nothing can be waived on it.") % {"month": month}, code="voided"
        )
    owed = charges_owed(bill)
    if owed <= 0:
        raise ValidationError(
            _("The bill of %(month)s is already paid: nothing is left to waive.") % {"month": month}, code="paid"
        )
    if amount > owed:
        raise ValidationError(
            _("%(amount)s is more than the %(owed)s of charges the bill of %(month)s still owes.")
            % {
                "amount": format_money(amount, bill.currency),
                "owed": format_money(owed, bill.currency),
                "month": month,
            },
            code="over",
        )


def _amount(bill: Bill, amount, percent) -> tuple[Decimal, Decimal | None]:
    if (amount in (None, "")) == (percent in (None, "")):
        raise ValidationError(_("Give either an amount or a percentage."), code="amount_or_percent")
    if percent not in (None, ""):
        try:
            percent = Decimal(str(percent).strip().rstrip("%"))
        except ArithmeticError:
            raise ValidationError(_("Enter a percentage such as 10 or 12.5."), code="percent") from None
        if not percent.is_finite() or percent != percent.quantize(Decimal("0.01")) or not (0 < percent <= 100):
            raise ValidationError(
                _("The percentage must be more than 0 and at most 100, with at most 2 decimal places."),
                code="percent",
            )
        return round_money(bill.total * percent / HUNDRED), percent.quantize(Decimal("0.01"))
    amount = parse_amount(amount) if isinstance(amount, str) else to_decimal(amount, negative_ok=False)
    return amount, None


def request_adjustment(bill: Bill, by, kind: str, reason: str, *, amount=None, percent=None) -> AdjustmentRequest:
    """Ask for a waiver or discount of ``amount`` (or ``percent`` of the bill's charges)."""
    if not may_request(by, bill.office):
        raise PermissionDenied(_("You cannot ask for waivers in this office."))
    if kind not in AdjustmentRequest.Kind.values:
        raise ValidationError(_("Choose a waiver or a discount."), code="kind")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason for the waiver or discount."), code="reason")
    amount, percent = _amount(bill, amount, percent)
    if amount <= 0:
        raise ValidationError(_("The amount must be more than zero."), code="zero")
    _check_bill(bill, amount)
    return AdjustmentRequest.objects.create(
        bill=bill, kind=kind, amount=amount, percent=percent, reason=reason[:300], requested_by=by
    )


def split_by_lines(bill: Bill, amount: Decimal) -> list[tuple[str, Decimal]]:
    """``amount`` shared among the bill's charge items in proportion to their lines, in exact cents.

    Each item gets its share rounded down; the cents left go to the largest remainders (then the first items).
    """
    per_code: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in bill.lines.select_related("item").order_by("id"):
        if line.amount > 0:
            per_code[line.item.code] += line.amount
    base = sum(per_code.values(), ZERO)
    if base <= 0:
        raise ValidationError(_("The bill has no charges to waive."), code="no_lines")
    cents = int(amount * 100)
    shares = []
    for index, (code, line_total) in enumerate(per_code.items()):
        exact = Decimal(cents) * line_total / base
        whole = int(exact.to_integral_value(rounding=ROUND_FLOOR))
        shares.append([code, whole, exact - whole, index])
    left = cents - sum(share[1] for share in shares)
    for share in sorted(shares, key=lambda s: (-s[2], s[3]))[:left]:
        share[1] += 1
    return [(code, Decimal(whole).scaleb(-2)) for code, whole, _rest, _index in shares if whole]


def _decide(request: AdjustmentRequest, by, status: str, note: str) -> tuple[AdjustmentRequest, Bill]:
    """Lock the request and its bill and check who decides; the caller saves."""
    office = request.bill.office
    if not may_decide(by, office):
        raise PermissionDenied(_("Only a manager of this office can decide waiver requests."))
    locked = AdjustmentRequest.objects.select_for_update().get(pk=request.pk)
    if locked.requested_by_id == by.pk:
        raise PermissionDenied(_("You cannot decide your own request; another manager must."))
    locked.check_transition(status)
    bill = Bill.objects.select_for_update().select_related("office__region__company", "unit").get(pk=locked.bill_id)
    locked.status = status
    locked.decided_by = by
    locked.decided_at = timezone.now()
    locked.decision_note = (note or "").strip()[:300]
    return locked, bill


def approve(request: AdjustmentRequest, by, note: str = "") -> AdjustmentRequest:
    """Approve and post the waiver or discount; refused if the bill no longer owes that much."""
    with transaction.atomic():
        locked, bill = _decide(request, by, AdjustmentRequest.Status.APPROVED, note)
        _check_bill(bill, locked.amount)
        office = bill.office
        company = office.region.company
        income = [
            (ledger.system_account(company, AccountKind.INCOME, charge_code=code, office=office), share)
            for code, share in split_by_lines(bill, locked.amount)
        ]
        posting = ledger.post(
            key=f"adjustment-request:{locked.pk}",
            company=company,
            office=office,
            lines=[(debtor_account(bill), -locked.amount), *income],
            memo=_("%(kind)s, bill %(month)s, %(unit)s")
            % {"kind": locked.get_kind_display(), "month": f"{bill.period_start:%Y-%m}", "unit": bill.unit},
            by=by,
            kind="waiver",
            reason=locked.reason,
        )
        locked.adjustment = BillAdjustment.objects.create(
            bill=bill,
            kind=locked.kind,
            amount=-locked.amount,
            reason=locked.reason,
            posting=posting,
            created_by=by,
        )
        locked.save()
    return locked


def reject(request: AdjustmentRequest, by, note: str) -> AdjustmentRequest:
    if not (note or "").strip():
        raise ValidationError(_("Say why the request is rejected."), code="note")
    with transaction.atomic():
        locked, _bill = _decide(request, by, AdjustmentRequest.Status.REJECTED, note)
        locked.save()
    return locked


def withdraw(request: AdjustmentRequest, by) -> AdjustmentRequest:
    """The requester takes back a request not yet decided."""
    with transaction.atomic():
        locked = AdjustmentRequest.objects.select_for_update().get(pk=request.pk)
        if locked.requested_by_id != by.pk:
            raise PermissionDenied(_("Only the person who asked can withdraw the request."))
        locked.check_transition(AdjustmentRequest.Status.WITHDRAWN)
        locked.status = AdjustmentRequest.Status.WITHDRAWN
        locked.save(update_fields=["status"])
    return locked
