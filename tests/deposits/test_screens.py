"""The deposit screens of the back office, through HTTP, for the rightful staff and outsiders."""

from decimal import Decimal

import pytest
from django.urls import reverse

from commerce.deposits import services
from commerce.deposits.models import Deposit

pytestmark = pytest.mark.django_db


def take(staff, unit, amount="2000.00"):
    return services.take_deposit(staff, unit, kind="renovation", amount=amount, method="cash", payer_name="Ruan Yi")


def test_the_front_desk_finds_the_unit_takes_a_deposit_and_prints_the_receipt(client, site, unit, front_desk):
    client.force_login(front_desk)
    found = client.get(reverse("deposits:new"), {"community": site.community.pk, "building": "3", "number": "1101"})
    assert found.status_code == 302 and found["Location"].endswith(f"?unit={unit.pk}")
    assert "Take the deposit" in client.get(found["Location"]).content.decode()
    response = client.post(
        reverse("deposits:new"),
        {"unit": unit.pk, "kind": "decoration", "amount": "¥3,000", "method": "qr", "payer_name": "Ruan Yi"},
    )
    deposit = Deposit.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("deposits:detail", args=[deposit.pk])
    assert (deposit.amount, deposit.kind, deposit.method, deposit.created_by) == (
        Decimal("3000.00"),
        "decoration",
        "qr",
        front_desk,
    )
    detail = client.get(response["Location"]).content.decode()
    assert deposit.receipt_number in detail and "¥3,000.00" in detail and f"deposit:{deposit.pk}" in detail
    assert "Refund the deposit" in detail and "Forfeit the deposit" not in detail
    receipt = client.get(reverse("deposits:receipt", args=[deposit.pk])).content.decode()
    assert deposit.receipt_number in receipt and "¥3,000.00" in receipt and "Decoration deposit" in receipt


def test_a_bad_amount_is_shown_with_the_form_and_nothing_is_taken(client, unit, front_desk):
    client.force_login(front_desk)
    response = client.post(
        reverse("deposits:new"),
        {"unit": unit.pk, "kind": "key", "amount": "0", "method": "cash", "payer_name": "Ruan Yi"},
    )
    assert response.status_code == 200 and "more than zero" in response.content.decode()
    assert not Deposit.objects.exists()


def test_refund_and_forfeit_through_the_detail_page(client, unit, front_desk, manager):
    first, second = take(front_desk, unit), take(front_desk, unit, "500")
    client.force_login(front_desk)
    url = reverse("deposits:detail", args=[first.pk])
    assert client.post(url, {"action": "refund", "reason": "Done"}).status_code == 302
    first.refresh_from_db()
    assert first.status == "refunded"
    page = client.get(url).content.decode()
    assert "Refund the deposit" not in page and "Done" in page
    assert client.post(url, {"action": "refund"}).content.decode().count("not held") == 1
    forbidden = client.post(
        reverse("deposits:detail", args=[second.pk]), {"action": "forfeit", "reason": "x"}, follow=True
    )
    assert "Only an office manager can forfeit a deposit." in forbidden.content.decode()
    second.refresh_from_db()
    assert second.status == "held"
    client.force_login(manager)
    url = reverse("deposits:detail", args=[second.pk])
    refused = client.post(url, {"action": "forfeit", "amount": "", "reason": ""})
    assert refused.status_code == 200 and "This field is required" in refused.content.decode()
    too_much = client.post(url, {"action": "forfeit", "amount": "600", "reason": "Damage"})
    assert "more than the ¥500.00 held" in too_much.content.decode()
    assert client.post(url, {"action": "forfeit", "amount": "200", "reason": "Damage"}).status_code == 302
    second.refresh_from_db()
    assert (second.status, second.forfeited_amount, second.refunded_amount) == (
        "partly_forfeited",
        Decimal("200.00"),
        Decimal("300.00"),
    )


def test_the_list_is_scoped_to_the_office_and_filters_by_status(client, unit, front_desk, other_manager, technician):
    held, refunded = take(front_desk, unit), take(front_desk, unit, "100")
    services.refund_deposit(front_desk, refunded)
    client.force_login(front_desk)
    page = client.get(reverse("deposits:index")).content.decode()
    assert held.receipt_number in page and refunded.receipt_number in page
    page = client.get(reverse("deposits:index"), {"status": "held"}).content.decode()
    assert held.receipt_number in page and refunded.receipt_number not in page
    client.force_login(other_manager)
    assert held.receipt_number not in client.get(reverse("deposits:index")).content.decode()
    for name in ("deposits:detail", "deposits:receipt"):
        assert client.get(reverse(name, args=[held.pk])).status_code == 404
    assert client.post(reverse("deposits:detail", args=[held.pk]), {"action": "refund"}).status_code == 404
    assert client.get(reverse("deposits:new"), {"unit": unit.pk}).status_code == 404
    client.force_login(technician)
    assert client.get(reverse("deposits:index")).status_code in (302, 403)
    held.refresh_from_db()
    assert held.status == "held"


def test_the_unit_lookup_lists_the_units_deposits(client, unit, neighbour_unit, front_desk):
    mine, theirs = take(front_desk, unit), take(front_desk, neighbour_unit)
    client.force_login(front_desk)
    page = client.get(reverse("properties_unit:inspect", args=[unit.pk])).content.decode()
    assert "data-unit-deposits" in page and mine.receipt_number in page and theirs.receipt_number not in page
    assert f"{reverse('deposits:new')}?unit={unit.pk}" in page
