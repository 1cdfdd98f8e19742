"""Paying a repair charge now (or with the household's bills), and the alert on a breached dispatch or arrival clock."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from commerce.payments.models import Payment
from commerce.payments.services import record_desk_payment
from notifications.models import Notification
from portal.workorders import services, tasks
from portal.workorders.models import PriceItem, WorkOrder, WorkOrderEvent

from .test_lifecycle import as_user, technician_does_the_repair

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _dummy_gateway(settings):
    settings.PAYMENT_GATEWAY = "dummy"


def charged_repair(client, w):
    price = PriceItem.objects.create(office=w.office, kind="labour", name="Tap repair", price=Decimal("35.00"))
    order = services.file_request(
        by=w.resident, unit=w.unit, kind="repair", category="plumbing", description="The tap drips."
    )
    services.dispatch(order, by=w.keeper, technician=w.tech)
    order = technician_does_the_repair(client, w, order, price_item=price, resident=w.resident)
    assert order.bill is not None and order.charge_paid_at is None
    return order


def test_the_resident_pays_a_posted_repair_charge_online_and_the_order_shows_it_paid(
    client, w, django_capture_on_commit_callbacks
):
    order = charged_repair(client, w)
    as_user(client, w.resident)
    page = client.get(reverse("workorders:detail", args=[order.reference])).content.decode()
    assert "unpaid" in page and "Pay now" in page

    started = client.post(reverse("workorders:action", args=[order.reference, "pay"]))
    assert started.status_code == 302 and "/pay/test-gateway/" in started["Location"]
    payment = Payment.objects.get()
    assert list(payment.requested_bills.all()) == [order.bill] and payment.amount == Decimal("70.00")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(started["Location"], {"outcome": "pay"})

    order.refresh_from_db()
    assert order.charge_paid_at is not None
    assert order.events.filter(kind=WorkOrderEvent.Kind.CHARGE, text="The repair charge is paid.").count() == 1
    page = client.get(reverse("workorders:detail", args=[order.reference])).content.decode()
    assert "Pay now" not in page and ">paid<" in page

    again = client.post(reverse("workorders:action", args=[order.reference, "pay"]), follow=True)
    assert "already paid" in again.content.decode()
    assert Payment.objects.count() == 1


def test_a_charge_left_on_the_household_account_is_marked_paid_when_paid_at_the_desk(
    client, w, django_capture_on_commit_callbacks
):
    order = charged_repair(client, w)
    with django_capture_on_commit_callbacks(execute=True):
        record_desk_payment(w.manager, w.unit, Decimal("70.00"), "cash", bills=[order.bill])
    order.refresh_from_db()
    assert order.charge_paid_at is not None
    services.bill_paid(order.bill)  # reported again: nothing more happens
    assert order.events.filter(text="The repair charge is paid.").count() == 1


def test_only_the_household_can_pay_and_only_a_posted_charge(client, w):
    order = services.file_request(
        by=w.resident, unit=w.unit, kind="repair", category="plumbing", description="The tap drips."
    )
    as_user(client, w.resident)
    response = client.post(reverse("workorders:action", args=[order.reference, "pay"]), follow=True)
    assert "no repair charge to pay" in response.content.decode() and not Payment.objects.exists()
    as_user(client, w.neighbour)
    assert client.post(reverse("workorders:action", args=[order.reference, "pay"])).status_code == 404


def breach_notices(user):
    return Notification.objects.filter(recipient=user, event="workorder.breach").count()


def test_a_missed_dispatch_promise_alerts_the_grid_housekeeper_and_the_manager_once(client, w):
    t0 = timezone.now()
    order = services.file_request(
        by=w.resident, unit=w.unit, kind="repair", category="plumbing", description="Leak", now=t0
    )
    assert services.alert_breaches(now=t0 + datetime.timedelta(minutes=2)) == 0, "within three minutes"
    assert services.alert_breaches(now=t0 + datetime.timedelta(minutes=4)) == 1
    assert services.alert_breaches(now=t0 + datetime.timedelta(minutes=9)) == 0, "once per breach"
    assert tasks.alert_promise_breaches.apply().get() == {"breaches": 0}
    assert breach_notices(w.keeper) == 1 and breach_notices(w.manager) == 1
    assert breach_notices(w.other_manager) == 0 and breach_notices(w.resident) == 0
    order.refresh_from_db()
    assert order.dispatch_alerted_at == t0 + datetime.timedelta(minutes=4)
    alerted = order.events.filter(kind=WorkOrderEvent.Kind.NOTE, public=False, text__contains="were alerted")
    assert alerted.count() == 1

    # Dispatching late afterwards flags it on the board but does not alert a second time.
    services.dispatch(order, by=w.keeper, technician=w.tech, now=t0 + datetime.timedelta(minutes=10))
    assert breach_notices(w.manager) == 1
    assert order.events.filter(kind=WorkOrderEvent.Kind.BREACH).count() == 1, "one breach, counted once"
    as_user(client, w.manager)
    board = client.get(reverse("workorders_board:index")).content.decode()
    assert "dispatch late" in board and "alert sent" in board


def test_a_late_dispatch_the_minute_check_missed_still_alerts_once(w):
    t0 = timezone.now()
    order = services.file_request(
        by=w.resident, unit=w.unit, kind="repair", category="plumbing", description="Leak", now=t0
    )
    services.dispatch(order, by=w.keeper, technician=w.tech, now=t0 + datetime.timedelta(minutes=5))
    order.refresh_from_db()
    assert order.dispatch_late and order.dispatch_alerted_at is not None
    assert breach_notices(w.keeper) == 1 and breach_notices(w.manager) == 1
    assert services.alert_breaches(now=t0 + datetime.timedelta(minutes=6)) == 0


def test_a_missed_arrival_window_alerts_once_and_a_new_dispatch_opens_a_new_window(w):
    t0 = timezone.now()
    order = services.file_request(
        by=w.resident, unit=w.unit, kind="repair", category="plumbing", description="Leak", now=t0
    )
    services.dispatch(order, by=w.keeper, technician=w.tech, now=t0 + datetime.timedelta(minutes=1))
    assert services.alert_breaches(now=t0 + datetime.timedelta(minutes=20)) == 0, "the window is 30 minutes"
    assert services.breached_orders(now=t0 + datetime.timedelta(minutes=40)) == [(order.pk, services.BREACH_ARRIVAL)]
    assert services.alert_breach(order.pk, services.BREACH_ARRIVAL, now=t0 + datetime.timedelta(minutes=40))
    assert not services.alert_breach(order.pk, services.BREACH_ARRIVAL, now=t0 + datetime.timedelta(minutes=41))
    assert breach_notices(w.manager) == 1

    services.dispatch(order, by=w.keeper, technician=w.tech2, now=t0 + datetime.timedelta(minutes=45))
    assert services.alert_breaches(now=t0 + datetime.timedelta(minutes=50)) == 0
    assert services.alert_breaches(now=t0 + datetime.timedelta(minutes=80)) == 1, "the second window was missed too"
    services.check_in(order, by=w.tech2, now=t0 + datetime.timedelta(minutes=85))
    order.refresh_from_db()
    assert order.arrival_late and breach_notices(w.manager) == 2, "checking in late does not alert again"


def test_a_closed_or_answered_order_is_never_alerted(w):
    t0 = timezone.now()
    order = services.file_request(
        by=w.resident, unit=w.unit, kind="enquiry", category="other", description="When is the water off?", now=t0
    )
    services.answer(order, by=w.keeper, reply="Tuesday 9-11.", now=t0 + datetime.timedelta(minutes=1))
    assert services.alert_breaches(now=t0 + datetime.timedelta(hours=2)) == 0
    assert WorkOrder.objects.get().dispatch_alerted_at is None


def test_the_breach_check_is_scheduled_every_minute_with_celery_beat(w):
    from django_celery_beat.models import PeriodicTask

    scheduled = PeriodicTask.objects.get(task="portal.workorders.tasks.alert_promise_breaches")
    assert scheduled.enabled and scheduled.interval.every == 1 and scheduled.interval.period == "minutes"
