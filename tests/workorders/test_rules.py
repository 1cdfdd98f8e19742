"""The service promise, photo rules and the state machine, with time controlled by the test."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from portal.append_only import AppendOnlyError
from portal.workorders import services
from portal.workorders.models import ServiceSettings, WorkOrder, WorkOrderEvent

from .conftest import jpeg, not_an_image, png

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2030, 3, 4, 9, 0, tzinfo=datetime.UTC)


def minutes(n):
    return datetime.timedelta(minutes=n)


def filed(w, kind="repair", area="home", now=T0, **extra):
    return services.file_request(
        by=w.resident, unit=w.unit, kind=kind, area=area, category="plumbing", description="Leak", now=now, **extra
    )


# --- the three-minute promise and the arrival window -----------------------------------------------


def test_a_dispatch_within_three_minutes_is_on_time(w):
    order = services.dispatch(filed(w), by=w.keeper, technician=w.tech, now=T0 + minutes(2))
    assert not order.dispatch_late and not order.dispatch_overdue(T0 + minutes(2))
    assert order.arrival_due_at == T0 + minutes(2 + 30)


def test_a_dispatch_after_three_minutes_is_flagged_and_counted_as_a_breach(w):
    order = filed(w)
    assert not order.dispatch_overdue(T0 + minutes(3))
    assert order.dispatch_overdue(
        T0
        + minutes(
            3,
        )
        + datetime.timedelta(seconds=1)
    ), "waiting too long shows on the board"
    order = services.dispatch(order, by=w.keeper, technician=w.tech, now=T0 + minutes(4))
    assert order.dispatch_late
    assert order.events.filter(kind=WorkOrderEvent.Kind.BREACH).count() == 1


def test_the_dispatch_clock_is_configurable_per_office(w):
    ServiceSettings.objects.create(office=w.office, dispatch_minutes=10, arrival_minutes=60)
    order = services.dispatch(filed(w), by=w.keeper, technician=w.tech, now=T0 + minutes(8))
    assert not order.dispatch_late and order.arrival_due_at == T0 + minutes(68)


def test_arriving_after_the_window_is_flagged(w):
    order = services.dispatch(filed(w), by=w.keeper, technician=w.tech, now=T0 + minutes(1))
    order = services.check_in(order, by=w.tech, now=T0 + minutes(45))
    assert order.arrival_late and order.events.filter(kind="breach").exists()


# --- the promised time and postponement --------------------------------------------------------------


def test_a_complaint_is_promised_in_two_days_by_default_and_at_most_seven(w):
    assert filed(w, kind="complaint").promised_at == T0 + datetime.timedelta(days=2)
    with pytest.raises(ValidationError, match="at most 7 days"):
        filed(w, kind="complaint", promised_at=T0 + datetime.timedelta(days=8))
    assert filed(w, kind="complaint", promised_at=T0 + datetime.timedelta(days=7)).promised_at


def test_a_postponement_needs_a_reason_the_resident_sees(w, client):
    order = filed(w, now=timezone.now())
    later = order.promised_at + datetime.timedelta(days=1)
    with pytest.raises(ValidationError, match="reason"):
        services.postpone(order, by=w.keeper, until=later, reason=" ")
    services.postpone(order, by=w.keeper, until=later, reason="The part arrives on Monday")
    client.force_login(w.resident)
    page = client.get(reverse("workorders:detail", args=[order.reference])).content.decode()
    assert "The part arrives on Monday" in page
    assert Notification.objects.filter(recipient=w.resident, event="workorder.postponed").exists()


def test_a_second_postponement_is_refused(w, client):
    order = filed(w, now=timezone.now())
    services.postpone(order, by=w.keeper, until=order.promised_at + datetime.timedelta(days=1), reason="Parts")
    with pytest.raises(ValidationError, match="may not be postponed twice"):
        services.postpone(order, by=w.keeper, until=order.promised_at + datetime.timedelta(days=2), reason="Again")
    client.force_login(w.keeper)
    client.post(
        reverse("workorders_board:action", args=[order.pk, "postpone"]),
        {"postpone-until": "2099-01-01T10:00", "postpone-reason": "Again"},
    )
    order.refresh_from_db()
    assert order.postponements == 1 and order.postpone_reason == "Parts"


def test_the_database_refuses_a_second_postponement_too(w):
    from django.db import IntegrityError, transaction

    order = filed(w)
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkOrder.objects.filter(pk=order.pk).update(postponements=2)


def test_finishing_after_the_promised_time_counts_as_late(w):
    order = services.dispatch(filed(w), by=w.keeper, technician=w.tech, now=T0 + minutes(1))
    order = services.check_in(order, by=w.tech, now=T0 + minutes(20))
    services.add_photos(order, by=w.tech, stage="before", files=[jpeg()])
    services.add_photos(order, by=w.tech, stage="after", files=[jpeg()])
    order = services.finish(order, by=w.tech, resolution="Fixed", now=T0 + datetime.timedelta(days=3))
    assert order.finished_late


# --- escalation of public-area repairs ------------------------------------------------------------


def test_public_area_repairs_open_more_than_fifteen_days_escalate_to_the_manager_once(w):
    old = filed(w, area="public", now=T0)
    young = filed(w, area="public", now=T0 + datetime.timedelta(days=10))
    in_home = filed(w, area="home", now=T0)
    now = T0 + datetime.timedelta(days=15, minutes=1)
    assert services.escalate_stale_public_repairs(now) == 1
    assert services.escalate_stale_public_repairs(now) == 0, "escalated once only"
    old.refresh_from_db(), young.refresh_from_db(), in_home.refresh_from_db()
    assert old.escalated_at == now and young.escalated_at is None and in_home.escalated_at is None
    assert Notification.objects.filter(recipient=w.manager, event="workorder.escalated").count() == 1
    assert not Notification.objects.filter(recipient=w.other_manager).exists()


def test_the_beat_task_escalates_through_celery(w, django_capture_on_commit_callbacks):
    from portal.workorders import tasks

    order = filed(w, area="public", now=timezone.now() - datetime.timedelta(days=16))
    assert tasks.escalate_public_repairs.delay().get() == {"orders": 1}
    order.refresh_from_db()
    assert order.escalated_at is not None


def test_the_escalation_is_scheduled_with_celery_beat(w):
    from django_celery_beat.models import PeriodicTask

    assert PeriodicTask.objects.filter(task="portal.workorders.tasks.escalate_public_repairs", enabled=True).exists()


def test_managers_see_overdue_orders_on_the_board(w, client):
    late = filed(w, now=timezone.now() - datetime.timedelta(days=3))
    fresh = filed(w, now=timezone.now())
    services.dispatch(fresh, by=w.keeper, technician=w.tech)
    client.force_login(w.manager)
    page = client.get(reverse("workorders_board:index") + "?overdue=1").content.decode()
    assert late.reference in page and fresh.reference not in page


# --- photos -------------------------------------------------------------------------------------


def test_a_renamed_non_image_is_refused_and_nothing_is_saved(w, client):
    client.force_login(w.resident)
    response = client.post(
        reverse("workorders:new"),
        {
            "unit": w.unit.pk,
            "kind": "repair",
            "area": "home",
            "category": "plumbing",
            "description": "Leak",
            "photos": [jpeg(), not_an_image()],
        },
    )
    assert response.status_code == 422
    assert "“invoice.jpg” is not a photo" in response.content.decode()
    assert "Leak" in response.content.decode(), "what was typed is kept"
    assert not WorkOrder.objects.exists()


def test_more_than_six_photos_are_refused(w):
    with pytest.raises(ValidationError, match="At most 6 photos"):
        filed(w, photos=[png(f"p{n}.png") for n in range(7)])
    assert not WorkOrder.objects.exists()


def test_a_photo_larger_than_ten_megabytes_is_refused(w):
    from django.core.files.uploadedfile import SimpleUploadedFile

    big = SimpleUploadedFile("huge.jpg", b"\xff\xd8" + b"0" * (10 * 1024 * 1024 + 1), content_type="image/jpeg")
    with pytest.raises(ValidationError, match="larger than 10 MB"):
        filed(w, photos=[big])


def test_before_and_after_photos_count_separately_up_to_six_each(w):
    order = services.dispatch(filed(w, now=timezone.now()), by=w.keeper, technician=w.tech)
    order = services.check_in(order, by=w.tech)
    services.add_photos(order, by=w.tech, stage="before", files=[png() for _ in range(6)])
    with pytest.raises(ValidationError, match="At most 6"):
        services.add_photos(order, by=w.tech, stage="before", files=[png()])
    services.add_photos(order, by=w.tech, stage="after", files=[png()])


# --- the state machine and the history ------------------------------------------------------------


def test_illegal_moves_are_refused_by_the_transitions_table(w):
    order = filed(w, now=timezone.now())
    with pytest.raises(ValidationError, match="cannot go from"):
        services.check_in(
            services.dispatch(order, by=w.keeper, technician=w.tech), by=w.tech
        ) and services.set_on_the_way(order, by=w.tech)
    order.refresh_from_db()
    with pytest.raises(ValidationError, match="cannot go from"):
        services.accept(order, by=w.resident, rating=5)
    with pytest.raises(ValidationError):
        services.close(order, by=w.keeper)


def test_an_order_closes_only_after_acceptance_or_a_return_visit(w):
    order = services.dispatch(filed(w, now=timezone.now()), by=w.keeper, technician=w.tech)
    order = services.check_in(order, by=w.tech)
    services.add_photos(order, by=w.tech, stage="before", files=[jpeg()])
    services.add_photos(order, by=w.tech, stage="after", files=[jpeg()])
    order = services.finish(order, by=w.tech, resolution="Fixed")
    with pytest.raises(ValidationError, match="closes only after"):
        services.close(order, by=w.keeper)
    services.accept(order, by=w.resident, rating=4)
    assert services.close(order, by=w.keeper).status == WorkOrder.Status.CLOSED


def test_an_unsatisfied_return_visit_reopens_the_order(w):
    order = services.file_request(by=w.resident, unit=w.unit, kind="enquiry", category="other", description="Fees?")
    order = services.answer(order, by=w.keeper, reply="See My bills.")
    services.record_return_visit(order, by=w.keeper, channel="phone", satisfied=False, result="Still unclear")
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.NEW and order.reopen_count == 1


def test_history_rows_cannot_be_edited(w):
    event = filed(w).events.first()
    event.text = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        WorkOrderEvent.objects.filter(pk=event.pk).update(text="rewritten")


def test_a_declined_price_is_not_charged(w):
    from commerce.billing.models import Bill
    from portal.workorders.models import PriceItem

    price = PriceItem.objects.create(office=w.office, name="Lock change", price="120.00")
    order = services.dispatch(filed(w, now=timezone.now()), by=w.keeper, technician=w.tech)
    order = services.check_in(order, by=w.tech)
    services.add_line(order, by=w.tech, price_item=price, quantity=1)
    services.decide_charge(order, by=w.resident, accept=False)
    services.add_photos(order, by=w.tech, stage="before", files=[jpeg()])
    services.add_photos(order, by=w.tech, stage="after", files=[jpeg()])
    services.finish(order, by=w.tech, resolution="Oiled the old lock instead")
    assert not Bill.objects.exists()


def test_a_public_area_repair_cannot_be_charged_to_a_household(w):
    from portal.workorders.models import PriceItem

    price = PriceItem.objects.create(office=w.office, name="Bulb", price="5.00")
    order = services.dispatch(filed(w, area="public", now=timezone.now()), by=w.keeper, technician=w.tech)
    line = services.add_line(order, by=w.tech, price_item=price, quantity=1)
    assert not line.chargeable and line.amount == 0
    order.refresh_from_db()
    assert order.charge_status == WorkOrder.ChargeStatus.NONE


def test_a_repair_bill_reported_paid_is_noted_once(w):
    from portal.workorders.models import PriceItem

    price = PriceItem.objects.create(office=w.office, name="Tap", price="30.00")
    order = services.dispatch(filed(w, now=timezone.now()), by=w.keeper, technician=w.tech)
    order = services.check_in(order, by=w.tech)
    services.add_line(order, by=w.tech, price_item=price, quantity=1)
    services.decide_charge(order, by=w.resident, accept=True)
    services.add_photos(order, by=w.tech, stage="before", files=[jpeg()])
    services.add_photos(order, by=w.tech, stage="after", files=[jpeg()])
    order = services.finish(order, by=w.tech, resolution="Done")
    services.bill_paid(order.bill)
    services.bill_paid(order.bill)
    assert order.events.filter(text="The repair charge is paid.").count() == 1
