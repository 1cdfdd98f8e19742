"""The bank collection screens through HTTP: new batch, download, upload result, mandates; outsiders refused."""

from decimal import Decimal

import pytest
from django.urls import reverse

from commerce.collection.models import BankMandate, CollectionBatch, CollectionLine
from commerce.payments.models import Payment
from tests.collection.conftest import csv_file, result_rows

pytestmark = pytest.mark.django_db


def test_a_clerk_previews_creates_downloads_and_imports_a_batch(client, clerk, site, bills, mandates):
    client.force_login(clerk)
    url = reverse("collection_batches:new")
    preview = client.post(url, {"office": site.office.pk, "as_of": "2025-03-01", "preview": ""})
    page = preview.content.decode()
    assert "Households to collect from: 2" in page and "¥400.00" in page and "**** 2222" in page
    assert not CollectionBatch.objects.exists()
    created = client.post(url, {"office": site.office.pk, "as_of": "2025-03-01", "confirm": ""})
    batch = CollectionBatch.objects.get()
    assert created["Location"] == reverse("collection_batches:detail", args=[batch.pk])
    download = client.get(reverse("collection_batches:download", args=[batch.pk]))
    assert download["Content-Disposition"] == f'attachment; filename="{batch.file_name}"'
    assert download.content.startswith(b"\xef\xbb\xbf") and b"6222000011112222,200.00" in download.content

    rows = result_rows(batch, [("success", ""), ("failure", "Insufficient funds")])
    detail = reverse("collection_batches:detail", args=[batch.pk])
    response = client.post(detail, {"file": csv_file(rows)}, follow=True)
    page = response.content.decode()
    assert "1 paid (¥200.00), 1 failed, 0 already recorded" in page
    payment = Payment.objects.get(method="bank_collection")
    assert payment.receipt_number in page and "Insufficient funds" in page
    assert "Close the batch" in page


def test_a_bad_result_file_lists_its_rows_and_imports_nothing(client, clerk, batch):
    client.force_login(clerk)
    good, bad = result_rows(batch, [("success", ""), ("success", "")])
    spoiled = (bad[0], bad[1], "1.00", "success", "")
    response = client.post(reverse("collection_batches:detail", args=[batch.pk]), {"file": csv_file([good, spoiled])})
    page = response.content.decode()
    assert response.status_code == 200 and "Nothing was imported from result.csv" in page
    assert "does not match the 200.00" in page and "<td>3</td>" in page
    assert not Payment.objects.exists()
    assert set(CollectionLine.objects.values_list("status", flat=True)) == {"sent"}


def test_staff_of_another_office_and_the_front_desk_see_no_batch(client, batch, other_clerk, front_desk):
    client.force_login(other_clerk)
    assert batch.file_name not in client.get(reverse("collection_batches:index")).content.decode()
    for name in ("collection_batches:detail", "collection_batches:download"):
        assert client.get(reverse(name, args=[batch.pk])).status_code == 404
    rows = result_rows(batch, [("success", ""), ("success", "")])
    response = client.post(reverse("collection_batches:detail", args=[batch.pk]), {"file": csv_file(rows)})
    assert response.status_code == 404
    client.force_login(front_desk)
    assert client.get(reverse("collection_batches:index")).status_code in (302, 403)
    assert not Payment.objects.exists()


def test_the_front_desk_adds_and_replaces_a_mandate_from_the_unit_lookup(client, front_desk, unit, bills, other_clerk):
    client.force_login(front_desk)
    lookup = client.get(reverse("properties_unit:inspect", args=[unit.pk])).content.decode()
    add_url = f"{reverse('collection_mandates:add')}?unit={unit.pk}"
    assert add_url in lookup
    bad = client.post(
        add_url, {"account_holder": "Ruan Yi", "bank_name": "ICBC", "account_number": "12ab", "active": "on"}
    )
    assert "8 to 30 digits" in bad.content.decode() and not BankMandate.objects.exists()
    client.post(
        add_url,
        {"account_holder": "Ruan Yi", "bank_name": "ICBC", "account_number": "6222 0000 1111 2222", "active": "on"},
    )
    mandate = BankMandate.objects.get()
    assert (mandate.account_number, mandate.account_display, mandate.active) == ("6222000011112222", "**** 2222", True)
    assert "**** 2222" in client.get(reverse("properties_unit:inspect", args=[unit.pk])).content.decode()
    listing = client.get(reverse("collection_mandates:index"), {"q": "1101"}).content.decode()
    assert "Ruan Yi" in listing and "6222000011112222" not in listing
    client.force_login(other_clerk)
    assert client.get(reverse("collection_mandates:edit", args=[mandate.pk])).status_code == 404
    assert client.get(add_url).status_code == 404
    assert "Ruan Yi" not in client.get(reverse("collection_mandates:index")).content.decode()


def test_closing_a_batch_through_the_page(client, clerk, batch):
    from commerce.collection import services

    services.import_results(clerk, batch, csv_file(result_rows(batch, [("success", ""), ("success", "")])[:1]))
    client.force_login(clerk)
    client.post(reverse("collection_batches:detail", args=[batch.pk]), {"action": "close"})
    batch.refresh_from_db()
    assert batch.status == "closed"
    assert batch.lines.filter(status="failed").count() == 1
    assert Payment.objects.get().amount == Decimal("200.00")
