"""Cart to paid order: one order per merchant, charged to the household, confirmed only on payment."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from commerce.billing.models import Bill
from commerce.ledger.models import Entry
from commerce.ledger.services import household_balance
from commerce.marketplace import services
from commerce.marketplace.models import CartItem, Merchant, Order, Review
from commerce.payments.models import Payment, Refund

pytestmark = pytest.mark.django_db


def test_a_cart_across_two_merchants_becomes_two_orders_paid_in_one_payment(
    client, resident, unit, merchant, apples, rice, django_capture_on_commit_callbacks
):
    client.force_login(resident)
    client.post(reverse("market_cart_add"), {"variant": apples.pk, "quantity": "3"})
    client.post(reverse("market_cart_add"), {"variant": rice.pk, "quantity": "1"})

    response = client.post(
        reverse("market_checkout"),
        {
            "unit": unit.pk,
            f"fulfilment-{apples.product.merchant_id}": "delivery",
            f"fulfilment-{rice.product.merchant_id}": "pickup",
        },
    )

    orders = {o.merchant.name: o for o in Order.objects.all()}
    assert set(orders) == {"Fresh Fruit", "Corner Shop"}
    assert orders["Fresh Fruit"].total == Decimal("30.00") and orders["Corner Shop"].total == Decimal("45.00")
    assert orders["Corner Shop"].fulfilment == "pickup"
    assert all(o.status == Order.Status.PENDING for o in orders.values())
    assert not CartItem.objects.exists()
    apples.refresh_from_db()
    assert apples.stock == 17
    # Each order is a one-off bill of the household, and one online payment covers both.
    payment = Payment.objects.get()
    assert response.status_code == 302 and response.url.startswith(reverse("dummy_gateway", args=[payment.pk]))
    assert payment.amount == Decimal("75.00")
    assert {o.bill.source for o in orders.values()} == {f"market:order:{o.pk}" for o in orders.values()}
    assert household_balance(unit) == Decimal("75.00")

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("dummy_gateway", args=[payment.pk]), {"outcome": "pay"})

    for order in orders.values():
        order.refresh_from_db()
        assert order.status == Order.Status.PAID and order.paid_at
    assert household_balance(unit) == Decimal("0.00")
    assert merchant.owner.notifications.filter(event="market.order_paid").exists()


def test_a_declined_payment_leaves_the_order_unconfirmed(
    client, resident, unit, apples, django_capture_on_commit_callbacks
):
    client.force_login(resident)
    client.post(reverse("market_cart_add"), {"variant": apples.pk, "quantity": "1"})
    client.post(reverse("market_checkout"), {"unit": unit.pk, f"fulfilment-{apples.product.merchant_id}": "delivery"})
    payment = Payment.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("dummy_gateway", args=[payment.pk]), {"outcome": "decline"})
    assert Order.objects.get().status == Order.Status.PENDING


def test_the_order_moves_paid_accepted_out_for_delivery_completed_and_is_reviewed(
    client, order_for, pay, merchant, apples, resident, django_capture_on_commit_callbacks
):
    order = order_for(merchant, [(apples, 2)])
    pay(order)
    client.force_login(merchant.owner)
    for action in ("accept", "deliver", "complete"):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("market_merchant_order_action", args=[merchant.pk, order.pk, action]))
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED and order.closed_at
    assert [e.new_status for e in order.events.all()] == ["pending", "paid", "accepted", "delivering", "completed"]
    assert resident.notifications.filter(event="market.order_status").count() == 3

    client.force_login(resident)
    client.post(reverse("market_order_action", args=[order.pk, "review"]), {"rating": "5", "comment": "Sweet"})
    assert Review.objects.get().rating == 5
    client.post(reverse("market_order_action", args=[order.pk, "review"]), {"rating": "1"})
    assert Review.objects.count() == 1


def test_a_pickup_order_becomes_ready_not_out_for_delivery(order_for, pay, merchant, apples):
    order = order_for(merchant, [(apples, 1)], fulfilment="pickup")
    pay(order)
    services.accept_order(order, by=merchant.owner)
    with pytest.raises(ValidationError, match="picked up"):
        services.mark_out_for_delivery(order, by=merchant.owner)
    services.mark_ready(order, by=merchant.owner)
    assert Order.objects.get(pk=order.pk).status == Order.Status.READY


def test_skipping_a_step_is_refused(order_for, pay, merchant, apples):
    order = order_for(merchant, [(apples, 1)])
    with pytest.raises(ValidationError, match="cannot go from"):
        services.accept_order(order, by=merchant.owner)  # not paid yet
    pay(order)
    with pytest.raises(ValidationError, match="cannot go from"):
        services.complete_order(order, by=merchant.owner)


def test_cancelling_a_paid_order_before_acceptance_refunds_it_and_returns_the_stock(
    client, order_for, pay, merchant, apples, resident, unit
):
    order = order_for(merchant, [(apples, 4)])
    pay(order)
    client.force_login(resident)

    client.post(reverse("market_order_action", args=[order.pk, "cancel"]), {"reason": "Changed my mind"})

    order.refresh_from_db()
    apples.refresh_from_db()
    assert order.status == Order.Status.CANCELLED and order.refunded == Decimal("40.00")
    assert apples.stock == 20
    assert Bill.objects.get(pk=order.bill_id).status == Bill.Status.VOIDED
    refund = Refund.objects.get()
    assert refund.amount == Decimal("40.00")
    assert household_balance(unit) == Decimal("0.00")
    # A second cancellation refunds nothing more.
    services.cancel_order(order, by=resident, reason="again")
    assert Refund.objects.count() == 1


def test_after_acceptance_the_resident_cannot_cancel_but_the_merchant_can_by_agreement(
    client, order_for, pay, merchant, apples, resident
):
    order = order_for(merchant, [(apples, 1)])
    pay(order)
    services.accept_order(order, by=merchant.owner)
    client.force_login(resident)
    client.post(reverse("market_order_action", args=[order.pk, "cancel"]), {"reason": "late"})
    order.refresh_from_db()
    assert order.status == Order.Status.ACCEPTED

    services.cancel_order(order, by=merchant.owner, reason="Agreed with the buyer by phone")
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED and Refund.objects.count() == 1


def test_a_dispute_goes_to_the_platform_which_refunds(client, order_for, pay, merchant, apples, resident, platform):
    order = order_for(merchant, [(apples, 1)])
    pay(order)
    services.accept_order(order, by=merchant.owner)
    services.mark_out_for_delivery(order, by=merchant.owner)
    client.force_login(resident)
    client.post(reverse("market_order_action", args=[order.pk, "dispute"]), {"reason": "Never arrived"})
    order.refresh_from_db()
    assert order.status == Order.Status.DISPUTED

    client.force_login(platform)
    assert b"Never arrived" in client.get(reverse("market_admin_disputes")).content
    client.post(reverse("market_admin_disputes"), {"order": order.pk, "outcome": "refund", "note": "Lost"})
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED and order.refunded == order.total


@pytest.mark.parametrize(
    ("quantity", "message"),
    [("0", "between 1 and"), ("-2", "between 1 and"), ("abc", "whole number"), ("21", "Only 20")],
)
def test_bad_quantities_are_refused_and_change_nothing(client, resident, apples, quantity, message):
    client.force_login(resident)
    response = client.post(reverse("market_cart_add"), {"variant": apples.pk, "quantity": quantity}, follow=True)
    assert message in response.content.decode()
    if message != "Only 20":
        assert not CartItem.objects.exists()


def test_more_than_the_stock_at_checkout_refuses_the_whole_checkout(
    client, resident, unit, apples, rice, django_capture_on_commit_callbacks
):
    client.force_login(resident)
    client.post(reverse("market_cart_add"), {"variant": rice.pk, "quantity": "1"})
    client.post(reverse("market_cart_add"), {"variant": apples.pk, "quantity": "5"})
    apples.__class__.objects.filter(pk=apples.pk).update(stock=3)

    response = client.post(
        reverse("market_checkout"),
        {
            "unit": unit.pk,
            f"fulfilment-{rice.product.merchant_id}": "pickup",
            f"fulfilment-{apples.product.merchant_id}": "pickup",
        },
        follow=True,
    )

    assert "Only 3 of Apples" in response.content.decode()
    assert not Order.objects.exists() and not Bill.objects.exists() and CartItem.objects.count() == 2
    rice.refresh_from_db()
    assert rice.stock == 10 and not Entry.objects.exists()


def test_a_suspended_merchants_product_cannot_be_ordered(client, resident, unit, merchant, apples):
    client.force_login(resident)
    client.post(reverse("market_cart_add"), {"variant": apples.pk, "quantity": "1"})
    Merchant.objects.filter(pk=merchant.pk).update(status=Merchant.Status.SUSPENDED)
    response = client.post(
        reverse("market_checkout"), {"unit": unit.pk, f"fulfilment-{merchant.pk}": "delivery"}, follow=True
    )
    assert "Fresh Fruit is not selling at the moment" in response.content.decode()
    assert not Order.objects.exists()
    assert client.get(reverse("market_product", args=[apples.product_id])).status_code == 404


def test_nobody_orders_or_pays_for_another_household(client, resident, neighbour, unit, merchant, apples, order_for):
    with pytest.raises(PermissionDenied):
        services.place_order(neighbour, unit, merchant, [(apples, 1)], fulfilment="delivery")
    order = order_for(merchant, [(apples, 1)])
    client.force_login(neighbour)
    assert client.get(reverse("market_order", args=[order.pk])).status_code == 404
    assert client.post(reverse("market_order_action", args=[order.pk, "pay"])).status_code == 404
    assert client.post(reverse("market_order_action", args=[order.pk, "cancel"])).status_code == 404
    client.post(reverse("market_checkout"), {"unit": unit.pk})
    assert Order.objects.count() == 1 and not Payment.objects.exists()


def test_a_merchant_not_serving_the_community_is_not_shown_nor_sold(client, far_resident, other_site, merchant, apples):
    client.force_login(far_resident)
    assert b"Apples" not in client.get(reverse("market_home")).content
    assert client.get(reverse("market_product", args=[apples.product_id])).status_code == 404
    unit = far_resident.memberships.get().unit
    with pytest.raises(ValidationError, match="does not serve"):
        services.place_order(far_resident, unit, merchant, [(apples, 1)], fulfilment="delivery")


def test_unpaid_orders_expire_and_return_their_stock(order_for, merchant, apples):
    import datetime

    from django.utils import timezone

    order = order_for(merchant, [(apples, 5)])
    assert services.expire_unpaid_orders(timezone.now()) == 0
    assert services.expire_unpaid_orders(timezone.now() + datetime.timedelta(hours=1)) == 1
    order.refresh_from_db()
    apples.refresh_from_db()
    assert order.status == Order.Status.CANCELLED and apples.stock == 20
    assert Bill.objects.get(pk=order.bill_id).status == Bill.Status.VOIDED


def test_the_unpaid_window_is_a_setting_and_beat_returns_the_stock(order_for, merchant, apples, settings):
    import datetime

    from django.utils import timezone
    from django_celery_beat.models import PeriodicTask

    import commerce.marketplace.tasks  # noqa: F401  (registers the task as the worker does)
    from portal.celery import app

    settings.MARKET_UNPAID_MINUTES = 10
    order = order_for(merchant, [(apples, 5)])
    assert services.expire_unpaid_orders(timezone.now() + datetime.timedelta(minutes=9)) == 0
    apples.refresh_from_db()
    assert apples.stock == 15

    settings.MARKET_UNPAID_MINUTES = 0
    entry = PeriodicTask.objects.get(task="commerce.marketplace.tasks.expire_unpaid_orders")
    assert entry.enabled
    assert app.tasks[entry.task].apply().get() == 1
    assert app.tasks[entry.task].apply().get() == 0  # once
    order.refresh_from_db()
    apples.refresh_from_db()
    assert order.status == Order.Status.CANCELLED and apples.stock == 20
