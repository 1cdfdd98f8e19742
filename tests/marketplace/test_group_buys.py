"""Group buys: at the deadline they go ahead or every payment is refunded, exactly once."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from commerce.billing.models import Bill
from commerce.marketplace import services, tasks
from commerce.marketplace.models import GroupBuy, Order
from commerce.payments.models import Payment, Refund
from tests.factories import AccountFactory, ResidentMembershipFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def group_buy(merchant, apples):
    return services.create_group_buy(
        merchant.owner,
        merchant,
        variant=apples,
        title="Lychees from Guangdong",
        price=Decimal("8.00"),
        min_households=3,
        deadline=timezone.now() + datetime.timedelta(hours=2),
    )


@pytest.fixture
def households(site):
    users = []
    for n in range(4):
        user = AccountFactory(full_name=f"Household {n}")
        ResidentMembershipFactory(user=user, unit=UnitFactory(building=site.building, grid=site.grid, number=f"30{n}"))
        users.append(user)
    return users


def _join(user, group_buy, pay):
    unit = user.memberships.get().unit
    order = services.join_group_buy(user, unit, group_buy, fulfilment="delivery")
    pay(order)
    return order


def _at_deadline(group_buy, django_capture_on_commit_callbacks, runs=1):
    later = group_buy.deadline + datetime.timedelta(minutes=1)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(timezone, "now", lambda: later)
        for _ in range(runs):
            with django_capture_on_commit_callbacks(execute=True):
                tasks.decide_due_group_buys.delay()
            with django_capture_on_commit_callbacks(execute=True):
                tasks.decide_group_buy.delay(group_buy.pk)  # a duplicate delivery of the task


def test_a_group_buy_that_reaches_its_minimum_goes_ahead(
    group_buy, households, pay, merchant, django_capture_on_commit_callbacks
):
    orders = [_join(user, group_buy, pay) for user in households[:3]]
    with pytest.raises(ValidationError, match="Wait until the group buy goes ahead"):
        services.accept_order(orders[0], by=merchant.owner)

    _at_deadline(group_buy, django_capture_on_commit_callbacks, runs=2)

    group_buy.refresh_from_db()
    assert group_buy.status == GroupBuy.Status.SUCCEEDED
    assert all(Order.objects.get(pk=o.pk).status == Order.Status.PAID for o in orders)
    assert not Refund.objects.exists()
    assert merchant.owner.notifications.filter(event="market.group_buy_succeeded").count() == 1
    services.accept_order(orders[0], by=merchant.owner)


def test_a_group_buy_short_of_its_minimum_refunds_every_payment_exactly_once(
    group_buy, households, pay, apples, django_capture_on_commit_callbacks
):
    orders = [_join(user, group_buy, pay) for user in households[:2]]
    unpaid = services.join_group_buy(
        households[2], households[2].memberships.get().unit, group_buy, fulfilment="delivery"
    )
    apples.refresh_from_db()
    assert apples.stock == 17

    _at_deadline(group_buy, django_capture_on_commit_callbacks, runs=2)

    group_buy.refresh_from_db()
    assert group_buy.status == GroupBuy.Status.FAILED
    for order in [*orders, unpaid]:
        order.refresh_from_db()
        assert order.status == Order.Status.CANCELLED
        assert Bill.objects.get(pk=order.bill_id).status == Bill.Status.VOIDED
    assert sorted(Refund.objects.values_list("amount", flat=True)) == [Decimal("8.00"), Decimal("8.00")]
    apples.refresh_from_db()
    assert apples.stock == 20
    assert households[0].notifications.filter(event="market.group_buy_failed").count() == 1

    # The task running yet again changes nothing.
    services.decide_group_buy(group_buy.pk, now=group_buy.deadline + datetime.timedelta(hours=1))
    assert Refund.objects.count() == 2


def test_a_household_joins_once_and_not_after_the_deadline(client, group_buy, households, pay):
    user = households[0]
    _join(user, group_buy, pay)
    with pytest.raises(ValidationError, match="already joined"):
        services.join_group_buy(user, user.memberships.get().unit, group_buy, fulfilment="delivery")
    GroupBuy.objects.filter(pk=group_buy.pk).update(deadline=timezone.now() - datetime.timedelta(minutes=1))
    group_buy.refresh_from_db()
    late = households[1]
    client.force_login(late)
    response = client.post(
        reverse("market_group_buy_join", args=[group_buy.pk]),
        {"unit": late.memberships.get().unit.pk, "fulfilment": "delivery"},
        follow=True,
    )
    assert "This group buy is closed" in response.content.decode()
    assert group_buy.orders.count() == 1


def test_the_group_buy_page_shows_progress_and_joins_through_the_gateway(client, group_buy, resident, unit):
    client.force_login(resident)
    page = client.get(reverse("market_group_buy", args=[group_buy.pk]))
    assert "0 of 3 households" in page.content.decode()
    response = client.post(
        reverse("market_group_buy_join", args=[group_buy.pk]), {"unit": unit.pk, "fulfilment": "delivery"}
    )
    payment = Payment.objects.get()
    assert response.status_code == 302 and response.url.startswith(reverse("dummy_gateway", args=[payment.pk]))
    assert group_buy.orders.get().total == Decimal("8.00")


def test_a_merchant_publishes_a_group_buy_of_its_own_product_only(client, merchant, apples, rice):
    client.force_login(merchant.owner)
    deadline = (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    url = reverse("market_merchant_group_buys", args=[merchant.pk])
    form = {"title": "Apples for ten", "price": "9.00", "min_households": "10", "deadline": deadline}
    client.post(url, {**form, "variant": rice.pk})
    assert not GroupBuy.objects.exists()
    client.post(url, {**form, "variant": apples.pk, "deadline": "2020-01-01T10:00"})
    assert not GroupBuy.objects.exists()
    client.post(url, {**form, "variant": apples.pk})
    assert GroupBuy.objects.get().min_households == 10
