"""The Billing back office: scoped to the user's offices, standards with tiers inline, and the preview."""

from decimal import Decimal

import pytest
from django.urls import reverse

from commerce.billing.models import ChargeItem, ChargeStandard
from tests.billing.conftest import make_item

pytestmark = pytest.mark.django_db
K = ChargeItem.Kind


@pytest.fixture
def items(site, other_site):
    return make_item(site.office, K.PER_AREA, price="2.80"), make_item(other_site.office, K.PER_AREA, price="3.20")


def test_a_clerk_lists_only_their_offices_charge_items(client, clerk, items):
    mine, theirs = items
    client.force_login(clerk)
    page = client.get(reverse("billing_chargeitem:index")).content.decode()
    assert reverse("billing_chargeitem:edit", args=[mine.pk]) in page
    assert reverse("billing_chargeitem:edit", args=[theirs.pk]) not in page


@pytest.mark.parametrize(
    "url_name",
    ["billing_chargeitem:edit", "billing_chargeitem:delete", "billing_preview"],
)
def test_another_offices_item_is_a_404(client, other_clerk, items, url_name):
    mine, _theirs = items
    client.force_login(other_clerk)
    assert client.get(reverse(url_name, args=[mine.pk])).status_code == 404


def test_another_offices_standard_is_a_404(client, other_clerk, items):
    client.force_login(other_clerk)
    standard = items[0].standards.get()
    assert client.get(reverse("billing_chargestandard:edit", args=[standard.pk])).status_code == 404


def test_a_technician_has_no_billing_screens(client, technician, items):
    client.force_login(technician)
    assert client.get(reverse("billing_chargeitem:index")).status_code in (302, 403)
    refused = client.get(reverse("billing_preview", args=[items[0].pk]))
    assert (refused.status_code, refused.get("Location")) == (302, "/backoffice/")


def test_choices_offer_only_the_users_own_offices_and_items(client, clerk, site, other_site, items):
    client.force_login(clerk)
    item_form = client.get(reverse("billing_chargeitem:add")).context["form"]
    assert list(item_form.fields["office"].queryset) == [site.office]
    standard_form = client.get(reverse("billing_chargestandard:add")).context["form"]
    assert list(standard_form.fields["item"].queryset) == [items[0]]
    assignment_form = client.get(reverse("billing_assignment:add")).context["form"]
    assert list(assignment_form.fields["item"].queryset) == [items[0]]
    assert list(assignment_form.fields["standard"].queryset) == [items[0].standards.get()]


def test_a_clerk_cannot_create_an_item_in_another_office(client, clerk, other_site):
    client.force_login(clerk)
    data = {"office": other_site.office.pk, "code": "x", "name": "X", "kind": K.FIXED_PER_UNIT, "cycle": "monthly"}
    response = client.post(reverse("billing_chargeitem:add"), data)
    assert response.status_code == 200
    assert "office" in response.context["form"].errors
    assert not ChargeItem.objects.filter(code="x").exists()


def _standard_post(item, tiers, **fields):
    data = {
        "item": item.pk,
        "name": "Tiered",
        "effective_from": "2025-01-01",
        "effective_to": "",
        "unit_price": "",
        "formula": "",
        "tiers-TOTAL_FORMS": str(len(tiers)),
        "tiers-INITIAL_FORMS": "0",
        "tiers-MIN_NUM_FORMS": "0",
        "tiers-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for i, (up_to, price) in enumerate(tiers):
        data |= {
            f"tiers-{i}-up_to": up_to,
            f"tiers-{i}-unit_price": price,
            f"tiers-{i}-id": "",
            f"tiers-{i}-DELETE": "",
        }
    return data


def test_a_tiered_standard_is_created_with_its_tiers_inline(client, clerk, site):
    water = ChargeItem.objects.create(office=site.office, code="water", name="Water", kind=K.METERED)
    client.force_login(clerk)
    data = _standard_post(water, [("15", "3.50"), ("30", "4.80"), ("", "6.20")])
    response = client.post(reverse("billing_chargestandard:add"), data)
    assert response.status_code == 302, response.context["form"].errors
    standard = ChargeStandard.objects.get(item=water)
    assert sorted((t.up_to or Decimal("inf"), t.unit_price) for t in standard.tiers.all()) == [
        (Decimal("15.000"), Decimal("3.5000")),
        (Decimal("30.000"), Decimal("4.8000")),
        (Decimal("inf"), Decimal("6.2000")),
    ]


@pytest.mark.parametrize(
    ("tiers", "fields", "message"),
    [
        ([("15", "3.50"), ("30", "4.80")], {}, "Exactly the last tier has no upper limit"),
        ([], {}, "Give a unit price, price tiers or a formula."),
        ([], {"formula": "usage * rate"}, "Unknown variable “rate” at position 9"),
        ([], {"unit_price": "2", "effective_to": "2024-01-01"}, "The end date is before the start date."),
    ],
)
def test_a_bad_standard_is_refused_with_a_clear_message(client, clerk, site, tiers, fields, message):
    water = ChargeItem.objects.create(office=site.office, code="water", name="Water", kind=K.METERED)
    client.force_login(clerk)
    response = client.post(reverse("billing_chargestandard:add"), _standard_post(water, tiers, **fields))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ChargeStandard.objects.exists()


def test_the_preview_shows_the_calculation_for_a_picked_unit(client, clerk, items, unit):
    client.force_login(clerk)
    url = reverse("billing_preview", args=[items[0].pk])
    page = client.get(url, {"unit": unit.pk, "month": "2025-03-15"}).content.decode()
    assert "89.50 m² × ¥2.80 = ¥250.60" in page


def test_the_preview_of_a_metered_item_asks_for_usage_and_explains_tiers(client, clerk, site, unit):
    water = make_item(site.office, K.METERED, tiers=[("15", "3.50"), (None, "4.80")], measure="m³", code="water")
    client.force_login(clerk)
    url = reverse("billing_preview", args=[water.pk])
    assert "This field is required" in client.get(url, {"unit": unit.pk, "month": "2025-03-01"}).content.decode()
    page = client.get(url, {"unit": unit.pk, "month": "2025-03-01", "usage": "20"}).content.decode()
    assert "20 m³: 15 m³ × ¥3.50 + 5 m³ × ¥4.80 = ¥76.50" in page


def test_the_preview_offers_only_units_of_the_items_office(client, clerk, items, unit, other_site):
    from tests.factories import UnitFactory

    foreign = UnitFactory(building=other_site.building, grid=other_site.grid)
    client.force_login(clerk)
    url = reverse("billing_preview", args=[items[0].pk])
    response = client.get(url, {"unit": foreign.pk, "month": "2025-03-01"})
    assert "unit" in response.context["form"].errors
    assert "¥" not in response.context["form"].errors.as_text()


def test_the_preview_reports_a_missing_standard(client, clerk, site, unit):
    item = make_item(site.office, K.PER_AREA, price="2.80", start="2030-01-01")
    client.force_login(clerk)
    page = client.get(reverse("billing_preview", args=[item.pk]), {"unit": unit.pk, "month": "2025-03-01"})
    assert "has no standard in effect on 2025-03-01" in page.content.decode()


def test_headquarters_see_every_office(client, company, items):
    from portal.people.models import StaffRole
    from tests.properties.conftest import staff

    hq = staff(StaffRole.HEADQUARTERS, company=company)
    client.force_login(hq)
    page = client.get(reverse("billing_chargeitem:index")).content.decode()
    assert all(reverse("billing_chargeitem:edit", args=[item.pk]) in page for item in items)
