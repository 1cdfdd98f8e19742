"""Every write to the ledger goes through ``post`` (and ``reverse``, which posts)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import BigIntegerField, DecimalField, F, Sum, Value
from django.db.models.functions import Cast, Round
from django.utils.translation import gettext as _

from commerce.money import to_decimal

from .models import Account, AccountKind, Entry, Posting

ZERO = Decimal("0.00")


class IdempotencyConflict(Exception):
    """A key was reused for a different posting: a bug in the caller, never something to swallow."""


def _company_currency(company) -> str:
    return (company.currency or "CNY").upper()


def household_account(unit) -> Account:
    """The unit's household account, created on first use (race-safe through the unique constraint)."""
    office = unit.building.community.office
    company = office.region.company
    account = Account.objects.filter(unit=unit).first()
    if account is None:
        try:
            with transaction.atomic():
                account = Account.objects.create(
                    company=company,
                    kind=AccountKind.HOUSEHOLD,
                    unit=unit,
                    office=office,
                    currency=_company_currency(company),
                    name=str(unit)[:200],
                )
        except IntegrityError:
            account = Account.objects.get(unit=unit)
    if account.office_id != office.pk:
        # The unit was moved to another office; its account follows it (accounts are not history).
        Account.objects.filter(pk=account.pk).update(office=office)
        account.office = office
    return account


def system_account(company, kind: str, charge_code: str | None = None, office=None) -> Account:
    """The company's (or one office's) internal account of ``kind``; income is kept per charge item, and
    merchant payable may be kept per merchant (``charge_code="merchant:<id>"``)."""
    if kind == AccountKind.HOUSEHOLD:
        raise ValueError("Household accounts belong to units; use household_account(unit).")
    code = charge_code or ""
    if kind == AccountKind.INCOME and not code:
        raise ValueError("Income accounts need a charge_code.")
    if code and kind not in (AccountKind.INCOME, AccountKind.MERCHANT_PAYABLE):
        raise ValueError("Only income and merchant payable accounts take a charge_code.")
    lookup = {"company": company, "kind": kind, "charge_code": code, "office": office, "unit": None}
    account = Account.objects.filter(**lookup).first()
    if account is not None:
        return account
    label = AccountKind(kind).label
    name = f"{label}: {code}" if code else str(label)
    if office is not None:
        name = f"{name} ({office})"
    try:
        with transaction.atomic():
            return Account.objects.create(**lookup, currency=_company_currency(company), name=name[:200])
    except IntegrityError:
        return Account.objects.get(**lookup)


def _validated_lines(company, lines: Iterable[tuple[Account, object]]) -> list[tuple[Account, Decimal]]:
    lines = [(account, to_decimal(amount)) for account, amount in lines]
    if len(lines) < 2:
        raise ValidationError(_("A posting needs at least two entries."), code="too_few")
    if any(amount == 0 for _account, amount in lines):
        raise ValidationError(_("A posting entry cannot be zero."), code="zero")
    if any(account.pk is None for account, _amount in lines):
        raise ValidationError(_("Every entry needs a saved account."), code="unsaved")
    if any(account.company_id != company.pk for account, _amount in lines):
        raise ValidationError(_("Every account of a posting must belong to the posting's company."), code="company")
    if len({account.currency for account, _amount in lines}) != 1:
        raise ValidationError(_("All entries of a posting must be in one currency."), code="currency")
    total = sum((amount for _account, amount in lines), ZERO)
    if total != 0:
        raise ValidationError(
            _("The entries do not balance: they sum to %(total)s instead of zero.") % {"total": total},
            code="unbalanced",
        )
    return lines


def _same_lines(posting: Posting, lines: list[tuple[Account, Decimal]]) -> bool:
    stored = Counter((e.account_id, e.amount) for e in posting.entries.all())
    return stored == Counter((account.pk, amount) for account, amount in lines)


def post(
    *,
    key: str,
    company,
    lines: Iterable[tuple[Account, object]],
    memo: str,
    office=None,
    by=None,
    kind: str = "",
    reverses: Posting | None = None,
    reason: str = "",
) -> Posting:
    """Record one balanced posting, exactly once per ``key``.

    Posting again with the same key and the same lines returns the first posting and writes nothing;
    the same key with different lines raises ``IdempotencyConflict``. The unique key decides, not a
    look-up beforehand, so concurrent callers cannot both write.
    """
    if not key or not key.strip():
        raise ValidationError(_("A posting needs an idempotency key."), code="key")
    lines = _validated_lines(company, lines)
    try:
        with transaction.atomic():
            posting = Posting.objects.create(
                idempotency_key=key,
                company=company,
                office=office,
                kind=kind,
                memo=memo[:300],
                created_by=by if getattr(by, "is_authenticated", False) else None,
                reverses=reverses,
                reason=reason[:300],
            )
            Entry.objects.bulk_create(
                Entry(posting=posting, account=account, amount=amount, currency=account.currency)
                for account, amount in lines
            )
    except IntegrityError:
        existing = Posting.objects.filter(idempotency_key=key).first()
        if existing is None:
            if reverses is not None and Posting.objects.filter(reverses=reverses).exists():
                raise ValidationError(_("This posting has already been reversed."), code="reversed") from None
            raise
        if existing.company_id != company.pk or not _same_lines(existing, lines):
            raise IdempotencyConflict(f"Key {key!r} was already used for a different posting.") from None
        return existing
    return posting


def reverse(posting: Posting, *, key: str, reason: str, by=None) -> Posting:
    """A red-letter posting that cancels ``posting`` entry by entry. A posting is reversed at most once."""
    if not reason or not reason.strip():
        raise ValidationError(_("Give a reason for the reversal."), code="reason")
    if posting.reverses_id is not None:
        raise ValidationError(
            _("A reversal cannot itself be reversed; post the original entries again instead."), code="reversal"
        )
    earlier = Posting.objects.filter(reverses=posting).first()
    if earlier is not None and earlier.idempotency_key != key:
        raise ValidationError(_("This posting has already been reversed."), code="reversed")
    entries = list(posting.entries.select_related("account"))
    return post(
        key=key,
        company=posting.company,
        office=posting.office,
        lines=[(entry.account, -entry.amount) for entry in entries],
        memo=_("Reversal of: %(memo)s") % {"memo": posting.memo},
        by=by,
        kind="reversal",
        reverses=posting,
        reason=reason.strip(),
    )


def sum_in_cents(field: str = "amount") -> Sum:
    """An exact SUM of a 2-place amount column, in cents.

    SQLite keeps decimals as floating point and its SUM(amount) drifts (0.01 + 0.01 + 1.99 comes back as
    2.0099999999999998); summing whole cents is exact on every database. Divide by 100 with ``from_cents``.
    """
    cents = Round(F(field) * Value(Decimal(100), output_field=DecimalField(max_digits=3, decimal_places=0)))
    return Sum(Cast(cents, output_field=BigIntegerField()))


def from_cents(total: int | None) -> Decimal:
    return ZERO if total is None else Decimal(int(total)).scaleb(-2)


def balance(account: Account, as_of: datetime | None = None) -> Decimal:
    """Debits minus credits of the account, up to and including ``as_of`` when given."""
    entries = Entry.objects.filter(account=account)
    if as_of is not None:
        entries = entries.filter(posting__created_at__lte=as_of)
    return from_cents(entries.aggregate(total=sum_in_cents())["total"])


def household_balance(unit, as_of: datetime | None = None) -> Decimal:
    """What the household owes (positive) or has paid ahead (negative); zero without an account."""
    account = Account.objects.filter(unit=unit).first()
    return ZERO if account is None else balance(account, as_of)
