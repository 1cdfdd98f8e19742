"""Concurrency on PostgreSQL: two exports at once, two imports of one result file at once."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from commerce.collection import services
from commerce.collection.models import CollectionBatch, CollectionLine
from commerce.payments.models import Payment
from tests.collection.conftest import AS_OF, csv_file, result_rows


def _race(work, count=2):
    barrier = threading.Barrier(count)
    outcomes = []

    def run():
        try:
            barrier.wait()
            outcomes.append(work())
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_clerks_exporting_at_once_send_each_household_once(clerk, site, bills, mandates):
    outcomes = _race(lambda: services.create_batch(clerk, site.office, AS_OF).pk)
    assert CollectionBatch.objects.count() == 1, outcomes
    assert CollectionLine.objects.count() == 2
    assert any("nothing to send" in str(o) or "Another batch" in str(o) for o in outcomes), outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_result_file_imported_twice_at_once_pays_once(clerk, batch):
    rows = result_rows(batch, [("success", ""), ("success", "")])
    outcomes = _race(lambda: services.import_results(clerk, batch, csv_file(rows)))
    assert sorted((o.paid, o.unchanged) for o in outcomes) == [(0, 2), (2, 0)], outcomes
    assert Payment.objects.count() == 2
