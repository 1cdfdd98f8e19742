"""What only a real PostgreSQL proves: concurrent postponements and dispatches, and the history triggers."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from portal.workorders import services
from portal.workorders.models import PriceItem, WorkOrder, WorkOrderEvent

from .conftest import jpeg

pytestmark = pytest.mark.postgres


def _race(count, work):
    barrier = threading.Barrier(count)
    results = []

    def run(n):
        try:
            barrier.wait(timeout=10)
            results.append(("ok", work(n)))
        except ValidationError as exc:
            results.append(("refused", exc.messages[0]))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_postponements_at_once_only_one_wins(w):
    order = services.file_request(by=w.resident, unit=w.unit, kind="repair", category="plumbing", description="x")
    results = _race(
        2,
        lambda n: services.postpone(
            WorkOrder.objects.get(pk=order.pk),
            by=w.keeper,
            until=order.promised_at + datetime.timedelta(days=1 + n),
            reason=f"reason {n}",
        ),
    )
    assert sorted(kind for kind, _ in results) == ["ok", "refused"]
    order.refresh_from_db()
    assert order.postponements == 1
    assert order.events.filter(kind="postponed").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_repair_finished_twice_at_once_is_charged_once(w):
    price = PriceItem.objects.create(office=w.office, name="Tap", price=Decimal("30.00"))
    order = services.dispatch(
        services.file_request(by=w.resident, unit=w.unit, kind="repair", category="plumbing", description="x"),
        by=w.keeper,
        technician=w.tech,
    )
    order = services.check_in(order, by=w.tech)
    services.add_line(order, by=w.tech, price_item=price, quantity=1)
    services.decide_charge(order, by=w.resident, accept=True)
    services.add_photos(order, by=w.tech, stage="before", files=[jpeg()])
    services.add_photos(order, by=w.tech, stage="after", files=[jpeg()])
    results = _race(2, lambda n: services.finish(WorkOrder.objects.get(pk=order.pk), by=w.tech, resolution="done"))
    assert sorted(kind for kind, _ in results) == ["ok", "refused"]
    from commerce.billing.models import Bill

    assert Bill.objects.filter(unit=w.unit).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_edits_of_the_history(w):
    order = services.file_request(by=w.resident, unit=w.unit, kind="repair", category="plumbing", description="x")
    event = order.events.first()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE workorders_workorderevent SET text = 'forged' WHERE id = %s", [event.pk])
    assert WorkOrderEvent.objects.get(pk=event.pk).text != "forged"
