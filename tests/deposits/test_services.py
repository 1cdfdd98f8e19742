"""Deposits: taking, refunding and forfeiting, with their ledger entries, trail and refusals."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from commerce.deposits import services
from commerce.deposits.models import Deposit, DepositEvent
from commerce.ledger.models import AccountKind, Entry, Posting
from commerce.ledger.services import balance, system_account
from commerce.payments.models import Payment
from commerce.payments.services import record_desk_payment
from portal.audit.context import acting_as
from portal.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def take(staff, unit, amount="2000.00", **kwargs):
    fields = {"kind": "renovation", "amount": amount, "method": "cash", "payer_name": "Ruan Yi"} | kwargs
    return services.take_deposit(staff, unit, **fields)


def accounts(site):
    company = site.office.region.company
    return {
        "cash": system_account(company, AccountKind.CASH, office=site.office),
        "held": system_account(company, AccountKind.DEPOSITS_HELD, office=site.office),
        "income": system_account(company, AccountKind.INCOME, charge_code="deposit-forfeit", office=site.office),
    }


def lines(key):
    posting = Posting.objects.get(idempotency_key=key)
    return sorted((e.account.kind, e.amount) for e in Entry.objects.filter(posting=posting).select_related("account"))


def test_taking_a_deposit_debits_cash_credits_deposits_held_and_gives_a_receipt_number(site, unit, front_desk):
    deposit = take(front_desk, unit, "2000.00")
    assert deposit.status == Deposit.Status.HELD and deposit.amount == Decimal("2000.00")
    assert deposit.receipt_number.startswith(f"R-{site.office.code}-") and deposit.receipt_number.endswith("000001")
    assert lines(f"deposit:{deposit.pk}") == [("cash", Decimal("2000.00")), ("deposits_held", Decimal("-2000.00"))]
    acc = accounts(site)
    assert balance(acc["held"]) == Decimal("-2000.00") and balance(acc["cash"]) == Decimal("2000.00")
    assert [(e.kind, e.amount, e.created_by) for e in deposit.events.all()] == [
        ("taken", Decimal("2000.00"), front_desk)
    ]


def test_deposits_and_payments_share_the_office_receipt_numbering(site, unit, clerk, bills):
    first = take(clerk, unit, "500")
    payment = record_desk_payment(clerk, unit, Decimal("100.00"), "cash")
    second = take(clerk, unit, "300")
    numbers = [first.receipt_number, payment.receipt_number, second.receipt_number]
    assert [n[-6:] for n in numbers] == ["000001", "000002", "000003"]


def test_a_refund_returns_everything_held(site, unit, front_desk):
    deposit = take(front_desk, unit, "1500.50")
    refunded = services.refund_deposit(front_desk, deposit, reason="Renovation passed inspection")
    assert refunded.status == Deposit.Status.REFUNDED and refunded.refunded_amount == Decimal("1500.50")
    assert refunded.held_amount == 0 and refunded.closed_at is not None
    assert lines(f"deposit:{deposit.pk}:refund") == [
        ("cash", Decimal("-1500.50")),
        ("deposits_held", Decimal("1500.50")),
    ]
    acc = accounts(site)
    assert balance(acc["held"]) == 0 and balance(acc["cash"]) == 0
    assert list(deposit.events.values_list("kind", "amount", "reason")) == [
        ("taken", Decimal("1500.50"), ""),
        ("refunded", Decimal("1500.50"), "Renovation passed inspection"),
    ]


@pytest.mark.parametrize(
    ("kept", "status", "income", "refunded"),
    [
        (None, "forfeited", "2000.00", "0.00"),
        ("2000", "forfeited", "2000.00", "0.00"),
        ("¥1,200.00", "partly_forfeited", "1200.00", "800.00"),
        ("0.01", "partly_forfeited", "0.01", "1999.99"),
    ],
)
def test_a_manager_forfeits_all_or_part_and_the_rest_is_refunded(site, unit, manager, kept, status, income, refunded):
    deposit = take(manager, unit, "2000.00")
    result = services.forfeit_deposit(manager, deposit, amount=kept, reason="Damaged the lift")
    assert result.status == status
    assert result.forfeited_amount == Decimal(income) and result.refunded_amount == Decimal(refunded)
    acc = accounts(site)
    assert balance(acc["held"]) == 0
    assert balance(acc["income"]) == -Decimal(income)
    assert balance(acc["cash"]) == Decimal("2000.00") - Decimal(refunded)
    assert lines(f"deposit:{deposit.pk}:forfeit") == sorted(
        [("deposits_held", Decimal(income)), ("income", -Decimal(income))]
    )
    assert Posting.objects.filter(idempotency_key=f"deposit:{deposit.pk}:refund").exists() == (refunded != "0.00")
    kinds = list(deposit.events.values_list("kind", flat=True))
    assert kinds == (["taken", "forfeited"] if refunded == "0.00" else ["taken", "forfeited", "refunded"])
    assert deposit.events.get(kind="forfeited").reason == "Damaged the lift"


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "more than zero"),
        ("-5", "must not be negative"),
        ("12.345", "more than 2 decimal places"),
        ("abc", "Enter an amount such as"),
        ("", "Enter an amount"),
    ],
)
def test_a_bad_amount_is_refused_and_nothing_is_taken(unit, front_desk, amount, message):
    with pytest.raises(ValidationError, match=message):
        take(front_desk, unit, amount)
    assert not Deposit.objects.exists() and not Posting.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("kind", "boat", "what the deposit is for"),
        ("method", "online", "how the deposit was paid"),
        ("payer_name", "  ", "name of the person"),
    ],
)
def test_a_bad_choice_is_refused(unit, front_desk, field, value, message):
    with pytest.raises(ValidationError, match=message):
        take(front_desk, unit, **{field: value})
    assert not Deposit.objects.exists()


@pytest.mark.parametrize("first", ["refund", "forfeit", "part"])
@pytest.mark.parametrize("second", ["refund", "forfeit"])
def test_a_deposit_that_is_no_longer_held_cannot_be_refunded_or_forfeited(unit, manager, first, second):
    deposit = take(manager, unit, "1000")
    if first == "refund":
        services.refund_deposit(manager, deposit)
    else:
        services.forfeit_deposit(manager, deposit, reason="Damage", amount="400" if first == "part" else None)
    postings = Posting.objects.count()
    with pytest.raises(ValidationError, match="not held"):
        if second == "refund":
            services.refund_deposit(manager, deposit)
        else:
            services.forfeit_deposit(manager, deposit, reason="Again")
    assert Posting.objects.count() == postings
    assert DepositEvent.objects.filter(deposit=deposit).count() == (3 if first == "part" else 2)


def test_forfeiting_more_than_held_or_without_a_reason_is_refused(unit, manager):
    deposit = take(manager, unit, "1000")
    with pytest.raises(ValidationError, match="more than the ¥1,000.00 held"):
        services.forfeit_deposit(manager, deposit, reason="Damage", amount="1000.01")
    with pytest.raises(ValidationError, match="reason"):
        services.forfeit_deposit(manager, deposit, reason="  ")
    deposit.refresh_from_db()
    assert deposit.status == Deposit.Status.HELD and deposit.events.count() == 1


@pytest.mark.parametrize(
    ("who", "action", "allowed"),
    [
        ("front_desk", "take", True),
        ("clerk", "take", True),
        ("manager", "take", True),
        ("technician", "take", False),
        ("other_manager", "take", False),
        ("front_desk", "refund", True),
        ("clerk", "refund", True),
        ("other_manager", "refund", False),
        ("front_desk", "forfeit", False),
        ("clerk", "forfeit", False),
        ("manager", "forfeit", True),
        ("other_manager", "forfeit", False),
    ],
)
def test_who_may_take_refund_and_forfeit(request, unit, manager, who, action, allowed):
    user = request.getfixturevalue(who)
    deposit = take(manager, unit, "800") if action != "take" else None

    def act():
        if action == "take":
            return take(user, unit, "800")
        if action == "refund":
            return services.refund_deposit(user, deposit)
        return services.forfeit_deposit(user, deposit, reason="Damage")

    if allowed:
        assert act().pk
    else:
        before = Posting.objects.count()
        with pytest.raises(PermissionDenied):
            act()
        assert Posting.objects.count() == before


def test_headquarters_may_forfeit(site, unit, manager):
    from portal.people.models import StaffRole
    from tests.properties.conftest import staff

    hq = staff(StaffRole.HEADQUARTERS, company=site.office.region.company)
    deposit = take(manager, unit, "800")
    assert services.forfeit_deposit(hq, deposit, reason="Damage").status == "forfeited"


def test_every_step_is_audited(unit, manager):
    with acting_as(manager, "198.51.100.7"):
        deposit = take(manager, unit, "800")
        services.forfeit_deposit(manager, deposit, reason="Damage", amount="300")
    entries = AuditEntry.objects.filter(object_type__startswith="deposits.")
    deposit_entries = entries.filter(object_type="deposits.Deposit", object_id=str(deposit.pk))
    assert list(deposit_entries.values_list("action", flat=True).order_by("pk")) == ["create", "update"]
    update = deposit_entries.get(action="update")
    assert update.changes["changed"]["status"] == ["held", "partly_forfeited"]
    assert update.office_id == deposit.office_id and update.actor_id == manager.pk
    events = entries.filter(object_type="deposits.DepositEvent", action="create")
    assert sorted(e.changes["after"]["kind"] for e in events) == ["forfeited", "refunded", "taken"]
    assert not Payment.objects.exists()
