"""One-off charges (临时收费): a bill of one line, issued to a unit outside the monthly run.

Staff charge a one-off item (e.g. removal of renovation rubbish) from the back office; other parts of
the portal (paid repairs, clubhouse extras, services charged to the household account) call
``issue_charge`` with their own idempotency key, so a retried request never charges twice.
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
from commerce.money import format_money, parse_amount, round_money, to_decimal
from portal.access import may_act_in_office
from portal.people.models import StaffRole
from portal.properties.models import Unit

from .charges import ChargeError, _Money, standard_for
from .models import Bill, BillLine, ChargeItem

CHARGE_ROLES = (StaffRole.FRONT_DESK, StaffRole.BILLING_CLERK, StaffRole.OFFICE_MANAGER)
MAX_QUANTITY = Decimal("100000")


def may_charge(user, office) -> bool:
    return may_act_in_office(user, CHARGE_ROLES, office)


def price_of(item: ChargeItem, unit, on: datetime.date, quantity: Decimal) -> tuple[Decimal, Decimal, str]:
    """(amount, unit price, explanation) of ``quantity`` of a one-off item at its standard on ``on``."""
    try:
        standard = standard_for(unit, item, on)
    except ChargeError as exc:
        raise ValidationError(str(exc), code="no_standard") from None
    if standard.unit_price is None:
        raise ValidationError(
            _("The standard “%(name)s” has no price: enter the amount.") % {"name": standard.name}, code="no_price"
        )
    amount = round_money(standard.unit_price * quantity)
    currency = unit.building.community.office.region.company.currency
    explanation = f"{quantity.normalize():f} × {_Money(currency).price(standard.unit_price)}"
    return amount, standard.unit_price, explanation


def issue_charge(
    unit,
    item: ChargeItem,
    amount,
    *,
    key: str,
    note: str = "",
    by=None,
    quantity: Decimal = Decimal(1),
    unit_price: Decimal | None = None,
    explanation: str = "",
    on: datetime.date | None = None,
    source: str = "",
    credit=None,
) -> Bill:
    """Post and bill ``amount`` of ``item`` to the unit's household (the developer for an unsold unit).

    Exactly once per ``key``: calling again with the same key returns the first bill. ``source``
    ("<app>:<kind>:<id>") names what another app charged, for its bill-paid hook (``payments.hooks``).
    ``credit`` is the ledger account credited instead of the item's income account (a deposit: deposits held).
    """
    amount = parse_amount(amount) if isinstance(amount, str) else to_decimal(amount, negative_ok=False)
    if amount <= 0:
        raise ValidationError(_("The amount must be more than zero."), code="amount")
    if item.office_id != unit.building.community.office_id:
        raise ValidationError(_("The charge item belongs to another office."), code="office")
    on = on or timezone.localdate()
    office = unit.building.community.office
    company = office.region.company
    posting_key = f"charge:{key}"
    with transaction.atomic():
        if unit.status == Unit.Status.UNSOLD:
            payer, debtor = Bill.Payer.DEVELOPER, ledger.system_account(company, AccountKind.DEVELOPER, office=office)
        else:
            payer, debtor = Bill.Payer.HOUSEHOLD, ledger.household_account(unit)
        income = credit or ledger.system_account(company, AccountKind.INCOME, charge_code=item.code, office=office)
        posting = ledger.post(
            key=posting_key,
            company=company,
            office=office,
            lines=[(debtor, amount), (income, -amount)],
            memo=_("%(item)s, %(unit)s") % {"item": item.name, "unit": unit},
            by=by,
            kind="charge",
            reason=note,
        )
        # The posting's unique key serialises concurrent callers: the second sees the first's bill here.
        existing = Bill.objects.filter(posting=posting).first()
        if existing is not None:
            return existing
        bill = Bill.objects.create(
            kind=Bill.Kind.ONE_OFF,
            office=office,
            unit=unit,
            period_start=on,
            period_end=on,
            payer=payer,
            total=amount,
            currency=debtor.currency,
            posting=posting,
            note=note[:300],
            source=source[:100],
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )
        BillLine.objects.create(
            bill=bill,
            item=item,
            quantity=quantity,
            unit_price=unit_price,
            amount=amount,
            explanation=(explanation or format_money(amount, debtor.currency))[:500],
        )
    if payer == Bill.Payer.HOUSEHOLD:
        from commerce.payments.prepayments import apply_prepayments

        apply_prepayments(unit)
    return bill


def charge_one_off(staff, unit, item: ChargeItem, *, quantity, note: str, amount=None, request_key: str) -> Bill:
    """A one-off charge entered by staff: at the item's standard × quantity, or a typed amount."""
    office = unit.building.community.office
    if not may_charge(staff, office):
        raise PermissionDenied(_("You cannot charge households of this office."))
    if item.kind != ChargeItem.Kind.ONE_OFF or not item.active:
        raise ValidationError(_("Choose an active one-off charge item."), code="item")
    note = (note or "").strip()
    if not note:
        raise ValidationError(_("Say what the charge is for; the household sees it on the bill."), code="note")
    quantity = Decimal(quantity)
    if quantity <= 0 or quantity > MAX_QUANTITY or quantity != quantity.quantize(Decimal("0.001")):
        raise ValidationError(_("The quantity must be more than zero, with at most 3 decimal places."), code="qty")
    on = timezone.localdate()
    if amount in (None, ""):
        amount, price, explanation = price_of(item, unit, on, quantity)
    else:
        amount = parse_amount(amount) if isinstance(amount, str) else to_decimal(amount, negative_ok=False)
        price, explanation = None, ""
    return issue_charge(
        unit,
        item,
        amount,
        key=f"desk:{request_key}",
        note=note,
        by=staff,
        quantity=quantity,
        unit_price=price,
        explanation=explanation,
        on=on,
    )


def cancel_charge(bill: Bill, *, reason: str, by=None, keep=Decimal("0")) -> Bill:
    """Cancel a one-off charge (a cancelled booking, a rejected order) and refund what was paid toward it.

    With ``keep`` zero the charge is reversed (red-letter) and the bill voided; with ``keep`` above zero
    (a cancellation fee by policy) the bill is credited down to ``keep``. Whatever was paid toward the
    bill beyond what it still charges is refunded: desk money at once, online money through its gateway.
    Idempotent: a second call changes nothing and refunds nothing more.
    """
    from commerce.adjustments.models import BillAdjustment
    from commerce.payments import refunds as refund_service
    from commerce.payments.models import Refund
    from commerce.payments.services import paid

    keep = to_decimal(keep, negative_ok=False)
    if bill.kind != Bill.Kind.ONE_OFF:
        raise ValidationError(_("Only a one-off charge can be cancelled this way."), code="kind")
    if keep > bill.total:
        raise ValidationError(_("The part kept cannot be more than the charge."), code="keep")
    reason = (reason or "").strip() or _("Cancelled")
    with transaction.atomic():
        locked = Bill.objects.select_for_update().select_related("office__region__company", "unit").get(pk=bill.pk)
        company = locked.office.region.company
        if keep == 0 and locked.status == Bill.Status.ISSUED:
            locked.reversal = ledger.reverse(locked.posting, key=f"cancel:{locked.pk}", reason=reason[:300], by=by)
            locked.status = Bill.Status.VOIDED
            locked.save(update_fields=["reversal", "status"])
        elif keep > 0 and locked.status == Bill.Status.ISSUED:
            credit = locked.total - keep
            if credit > 0:
                # Debit back what the charge credited: the item's income, or e.g. deposits held.
                income = locked.posting.entries.filter(amount__lt=0).select_related("account").first().account
                debtor = locked.posting.entries.filter(amount__gt=0).select_related("account").first().account
                posting = ledger.post(
                    key=f"cancel:{locked.pk}",
                    company=company,
                    office=locked.office,
                    lines=[(income, credit), (debtor, -credit)],
                    memo=_("Cancelled: %(bill)s") % {"bill": locked},
                    by=by,
                    kind="cancellation",
                    reason=reason[:300],
                )
                BillAdjustment.objects.get_or_create(
                    posting=posting,
                    defaults={
                        "bill": locked,
                        "kind": BillAdjustment.Kind.CANCELLATION,
                        "amount": -credit,
                        "reason": reason[:300],
                        "created_by": by if getattr(by, "is_authenticated", False) else None,
                    },
                )
        pending = sum(
            Refund.objects.filter(for_bill=locked, status__in=Refund.OPEN).values_list("amount", flat=True),
            Decimal("0.00"),
        )
        excess = paid(locked) - pending - keep
        made = refund_service.reserve_refunds_for_bill(locked, excess, reason, by=by) if excess > 0 else []
    for refund in made:
        refund_service.settle_refund(refund, by=by)
    locked.refresh_from_db()
    return locked

