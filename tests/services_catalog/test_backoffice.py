"""The office edits its menu in the Wagtail admin and handles orders; another office sees none of it."""

from decimal import Decimal

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from services_catalog import services
from services_catalog.models import Provider, Service

from .conftest import next_slot

pytestmark = pytest.mark.django_db


def _service_form(w, **overrides):
    data = {
        "office": w.site.office.pk,
        "category": w.category.pk,
        "name": "Pet sitting",
        "summary": "Feeding and litter",
        "description": "",
        "price_model": "per_item",
        "price": "40.00",
        "min_quantity": "1",
        "max_quantity": "30",
        "allow_household_charge": "on",
        "options": inline_formset([{"name": "Dog walk", "price": "25.00"}]),
        "photos": inline_formset([]),
        "day_start": "09:00",
        "day_end": "18:00",
        "slot_minutes": "60",
        "lead_hours": "12",
        "free_cancel_hours": "24",
        "late_cancel_keep_percent": "0",
        "sort_order": "10",
        "active": "on",
    }
    lists = {"weekdays": ["5", "6"], "communities": [w.site.community.pk]}
    for key in list(overrides):
        if key in lists:
            lists[key] = overrides.pop(key)
    data.update(overrides)
    return {**nested_form_data(data), **lists}


def test_a_manager_adds_a_service_with_price_options_availability_and_area(client, w):
    client.force_login(w.manager)
    response = client.post(reverse("services_service:add"), _service_form(w))

    assert response.status_code == 302, response.content.decode()[:3000]
    service = Service.objects.get(name="Pet sitting")
    assert (service.price, service.weekdays, service.lead_hours) == (Decimal("40.00"), "56", 12)
    assert list(service.communities.all()) == [w.site.community]
    assert service.options.get().name == "Dog walk"


def test_a_priced_service_needs_its_posted_price_and_a_quote_has_none(client, w):
    client.force_login(w.manager)
    no_price = client.post(reverse("services_service:add"), _service_form(w, price=""))
    assert no_price.status_code == 200 and "Post the price" in no_price.content.decode()
    quote_with_price = client.post(reverse("services_service:add"), _service_form(w, price_model="quote"))
    assert "leave it empty" in quote_with_price.content.decode()
    assert not Service.objects.filter(name="Pet sitting").exists()


def test_a_service_cannot_be_put_in_another_offices_category_or_area(client, w):
    client.force_login(w.manager)
    response = client.post(reverse("services_service:add"), _service_form(w, communities=[w.other.community.pk]))
    assert response.status_code == 200 and not Service.objects.filter(name="Pet sitting").exists()


def test_another_offices_manager_neither_lists_nor_opens_the_menu(client, w):
    client.force_login(w.manager_b)
    listing = client.get(reverse("services_service:index")).content.decode()
    assert "Deep cleaning" not in listing
    assert "Office a" not in listing and "Cleaning" not in listing  # not even in the filters
    assert client.get(reverse("services_service:edit", args=[w.cleaning.pk])).status_code == 404
    assert client.get(reverse("services_provider:edit", args=[w.team.pk])).status_code == 404
    assert client.get(reverse("services_category:edit", args=[w.category.pk])).status_code == 404


def test_the_front_desk_handles_orders_but_does_not_edit_the_menu(client, w):
    client.force_login(w.desk)
    assert client.get(reverse("services_service:index")).status_code in (302, 403)
    assert client.get(reverse("services_orders:index")).status_code == 200


def test_residents_are_kept_out(client, w):
    client.force_login(w.resident)
    assert client.get(reverse("services_service:index")).status_code in (302, 403)
    assert client.get(reverse("services_orders:index")).status_code in (302, 403)


def test_a_provider_gets_services_people_and_capacity(client, w):
    firm_worker = w.neighbour  # an existing account, added by e-mail
    client.force_login(w.manager)
    response = client.post(
        reverse("services_provider:add"),
        {
            "office": w.site.office.pk,
            "name": "Anju Movers",
            "kind": "firm",
            "phone": "0571-1",
            "services": [w.moving.pk],
            "people": [w.worker.pk],
            "add_people": firm_worker.email.upper(),
            "capacity_per_slot": "3",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    provider = Provider.objects.get(name="Anju Movers")
    assert set(provider.people.all()) == {w.worker, firm_worker}
    assert provider.capacity_per_slot == 3 and list(provider.services.all()) == [w.moving]


def test_orders_are_listed_and_opened_only_in_their_office(client, w):
    order = services.place_order(
        w.resident, w.unit, w.lock, slot_start=next_slot(w.lock), payment_method="household", request_key="bo"
    )
    detail = reverse("services_orders:detail", args=[order.pk])
    client.force_login(w.desk)
    assert order.reference in client.get(reverse("services_orders:index")).content.decode()
    page = client.get(detail)
    assert page.status_code == 200 and "Worker Wu" in page.content.decode()

    client.force_login(w.manager_b)
    assert order.reference not in client.get(reverse("services_orders:index")).content.decode()
    assert client.get(detail).status_code == 404
    assert client.post(detail, {"action": "cancel", "reason": "x"}).status_code == 404
    order.refresh_from_db()
    assert order.status == "confirmed"
