"""Taking, refunding and forfeiting deposits; each step one transaction with its ledger posting.

Ledger (debit positive, credit negative), all on the office's accounts:
- taken:     cash +amount, deposits held −amount               key ``deposit:<id>``
- refunded:  deposits held +rest, cash −rest                    key ``deposit:<id>:refund``
- forfeited: deposits held +part, income "deposit-forfeit" −part key ``deposit:<id>:forfeit``
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commerce.ledger import services as ledger
from commerce.ledger.models import AccountKind
from commerce.money import format_money, parse_amount, to_decimal
from commerce.payments.services import _next_receipt_number
from portal.access import may_act_in_office
from portal.people.models import StaffRole

from .models import Deposit, DepositEvent

ZERO = Decimal("0.00")
DEPOSIT_ROLES = (StaffRole.FRONT_DESK, StaffRole.BILLING_CLERK, StaffRole.OFFICE_MANAGER)
FORFEIT_ROLES = (StaffRole.OFFICE_MANAGER,)
FORFEIT_CHARGE_CODE = "deposit-forfeit"


def _amount(value) -> Decimal:
    amount = parse_amount(value) if isinstance(value, str) else to_decimal(value, negative_ok=False)
    if amount <= 0:
        raise ValidationError(_("The amount must be more than zero."), code="zero")
    return amount


def _accounts(office):
    company = office.region.company
    return {
        "cash": ledger.system_account(company, AccountKind.CASH, office=office),
        "held": ledger.system_account(company, AccountKind.DEPOSITS_HELD, office=office),
        "income": ledger.system_account(company, AccountKind.INCOME, charge_code=FORFEIT_CHARGE_CODE, office=office),
    }


def may_handle(user, office) -> bool:
    return may_act_in_office(user, DEPOSIT_ROLES, office)


def may_forfeit(user, office) -> bool:
    return may_act_in_office(user, FORFEIT_ROLES, office)


def take_deposit(staff, unit, *, kind: str, amount, method: str, payer_name: str, notes: str = "") -> Deposit:
    office = unit.building.community.office
    if not may_handle(staff, office):
        raise PermissionDenied(_("You cannot take deposits for this office."))
    if kind not in Deposit.Kind.values:
        raise ValidationError(_("Choose what the deposit is for."), code="kind")
    if method not in Deposit.Method.values:
        raise ValidationError(_("Choose how the deposit was paid."), code="method")
    payer_name = (payer_name or "").strip()
    if not payer_name:
        raise ValidationError(_("Enter the name of the person who paid the deposit."), code="payer")
    amount = _amount(amount)
    company = office.region.company
    accounts = _accounts(office)
    with transaction.atomic():
        deposit = Deposit.objects.create(
            office=office,
            unit=unit,
            kind=kind,
            amount=amount,
            currency=(company.currency or "CNY").upper(),
            method=method,
            receipt_number=_next_receipt_number(office, timezone.localdate().year),
            payer_name=payer_name[:100],
            notes=(notes or "").strip(),
            created_by=staff,
        )
        posting = ledger.post(
            key=f"deposit:{deposit.pk}",
            company=company,
            office=office,
            lines=[(accounts["cash"], amount), (accounts["held"], -amount)],
            memo=_("%(kind)s taken for %(unit)s") % {"kind": deposit.get_kind_display(), "unit": unit},
            by=staff,
            kind="deposit",
        )
        DepositEvent.objects.create(
            deposit=deposit, kind=DepositEvent.Kind.TAKEN, amount=amount, posting=posting, created_by=staff
        )
    return deposit


def _locked_held(deposit: Deposit, status: str) -> Deposit:
    locked = Deposit.objects.select_for_update().select_related("office__region__company", "unit").get(pk=deposit.pk)
    locked.check_transition(status)
    return locked


def _refund(locked: Deposit, amount: Decimal, staff, reason: str, accounts) -> DepositEvent:
    posting = ledger.post(
        key=f"deposit:{locked.pk}:refund",
        company=locked.office.region.company,
        office=locked.office,
        lines=[(accounts["held"], amount), (accounts["cash"], -amount)],
        memo=_("Deposit %(number)s refunded for %(unit)s") % {"number": locked.receipt_number, "unit": locked.unit},
        by=staff,
        kind="deposit_refund",
    )
    locked.refunded_amount += amount
    return DepositEvent.objects.create(
        deposit=locked,
        kind=DepositEvent.Kind.REFUNDED,
        amount=amount,
        reason=reason[:300],
        posting=posting,
        created_by=staff,
    )


def refund_deposit(staff, deposit: Deposit, *, reason: str = "") -> Deposit:
    """Give the whole deposit back."""
    if not may_handle(staff, deposit.office_id):
        raise PermissionDenied(_("You cannot refund deposits of this office."))
    with transaction.atomic():
        locked = _locked_held(deposit, Deposit.Status.REFUNDED)
        _refund(locked, locked.held_amount, staff, (reason or "").strip(), _accounts(locked.office))
        locked.status = Deposit.Status.REFUNDED
        locked.closed_at = timezone.now()
        locked.save()
    return locked


def forfeit_deposit(staff, deposit: Deposit, *, reason: str, amount=None) -> Deposit:
    """Keep all of the deposit (``amount`` None) or part of it, refunding the rest; a reason is required."""
    if not may_forfeit(staff, deposit.office_id):
        raise PermissionDenied(_("Only an office manager can forfeit a deposit."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for keeping the deposit."), code="reason")
    with transaction.atomic():
        locked = _locked_held(deposit, Deposit.Status.FORFEITED)
        held = locked.held_amount
        part = held if amount in (None, "") else _amount(amount)
        if part > held:
            raise ValidationError(
                _("%(amount)s is more than the %(held)s held.")
                % {"amount": format_money(part, locked.currency), "held": format_money(held, locked.currency)},
                code="over",
            )
        status = Deposit.Status.FORFEITED if part == held else Deposit.Status.PARTLY_FORFEITED
        locked.check_transition(status)
        accounts = _accounts(locked.office)
        posting = ledger.post(
            key=f"deposit:{locked.pk}:forfeit",
            company=locked.office.region.company,
            office=locked.office,
            lines=[(accounts["held"], part), (accounts["income"], -part)],
            memo=_("Deposit %(number)s forfeited for %(unit)s")
            % {"number": locked.receipt_number, "unit": locked.unit},
            by=staff,
            kind="deposit_forfeit",
            reason=reason,
        )
        DepositEvent.objects.create(
            deposit=locked,
            kind=DepositEvent.Kind.FORFEITED,
            amount=part,
            reason=reason[:300],
            posting=posting,
            created_by=staff,
        )
        locked.forfeited_amount += part
        if part < held:
            _refund(locked, held - part, staff, _("Rest after the partial forfeit"), accounts)
        locked.status = status
        locked.closed_at = timezone.now()
        locked.save()
    return locked
