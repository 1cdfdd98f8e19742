"""An outside firm that is a marketplace merchant handles its own service orders in the merchant dashboard."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from commerce.marketplace.models import Merchant, MerchantMember
from notifications.models import Notification
from services_catalog import services
from services_catalog.models import Provider, ServiceOrder
from tests.factories import CompanyFactory, UserFactory

from .conftest import next_slot

pytestmark = pytest.mark.django_db
Status = ServiceOrder.Status


def make_merchant(company, name, owner):
    merchant = Merchant.objects.create(
        company=company,
        name=name,
        legal_name=f"{name} Ltd",
        licence_number="91330100MA2XXXXX",
        licence="market/licences/x.pdf",
        contact_name="Boss",
        phone="13800000000",
        address="1 Market St",
        status=Merchant.Status.APPROVED,
    )
    MerchantMember.objects.create(merchant=merchant, user=owner, role=MerchantMember.Role.OWNER)
    return merchant


@pytest.fixture
def firm(w):
    """Spotless Co. is a merchant and the only provider of lock opening; its owner and one cleaner use the dashboard."""
    owner = UserFactory(full_name="Owner Ou")
    cleaner = UserFactory(full_name="Cleaner Cai")
    merchant = make_merchant(w.company, "Spotless Co.", owner)
    MerchantMember.objects.create(merchant=merchant, user=cleaner)
    provider = Provider.objects.create(
        office=w.site.office, name="Spotless crew", kind="firm", merchant=merchant, capacity_per_slot=2
    )
    w.team.services.remove(w.lock)
    provider.services.add(w.lock)
    rival_owner = UserFactory(full_name="Rival Ren")
    rival = make_merchant(w.company, "Rival Clean", rival_owner)
    rival_provider = Provider.objects.create(office=w.site.office, name="Rival crew", kind="firm", merchant=rival)
    rival_provider.services.add(w.cleaning)
    w.team.services.remove(w.cleaning)
    return type("Firm", (), locals())


def _order(w, service=None, key="f1", hour=9):
    service = service or w.lock
    return services.place_order(
        w.resident,
        w.unit,
        service,
        slot_start=next_slot(service, hour=hour),
        quantity="80" if service.has_quantity else "1",
        payment_method="household",
        request_key=key,
    )


def test_the_firm_hears_of_a_confirmed_order_and_sees_it_in_its_dashboard(client, w, firm):
    order = _order(w)
    assert order.provider == firm.provider and order.status == Status.CONFIRMED
    note = Notification.objects.get(recipient=firm.owner, event="services.firm_to_assign")
    assert note.url == reverse("services_catalog:firm_order", args=[firm.merchant.pk, order.pk])

    client.force_login(firm.owner)
    dashboard = client.get(reverse("market_merchant", args=[firm.merchant.pk])).content.decode()
    assert reverse("services_catalog:firm_orders", args=[firm.merchant.pk]) in dashboard
    page = client.get(reverse("services_catalog:firm_orders", args=[firm.merchant.pk])).content.decode()
    assert order.reference in page and "1 order waits for one of your people" in page


def test_the_firm_assigns_one_of_its_people_who_starts_and_finishes(client, w, firm):
    order = _order(w)
    url = reverse("services_catalog:firm_order", args=[firm.merchant.pk, order.pk])
    client.force_login(firm.owner)
    page = client.get(url).content.decode()
    assert "Cleaner Cai" in page and "Worker Wu" not in page  # the office's own worker is not the firm's

    assert client.post(url, {"action": "assign", "person": firm.cleaner.pk}).status_code == 302
    order.refresh_from_db()
    assert order.status == Status.ASSIGNED and order.assignee == firm.cleaner
    assert Notification.objects.filter(recipient=firm.cleaner, event="services.job_assigned").exists()

    client.post(url, {"action": "start"})
    client.post(url, {"action": "finish", "note": "All locks work"})
    order.refresh_from_db()
    assert order.status == Status.FINISHED
    assert list(order.events.values_list("actor__full_name", flat=True))[-2:] == ["Owner Ou", "Owner Ou"]


def test_the_firm_cannot_assign_someone_outside_the_firm(client, w, firm):
    order = _order(w)
    client.force_login(firm.owner)
    url = reverse("services_catalog:firm_order", args=[firm.merchant.pk, order.pk])
    response = client.post(url, {"action": "assign", "person": w.worker.pk})
    assert response.status_code == 422
    order.refresh_from_db()
    assert order.status == Status.CONFIRMED and order.assignee is None
    with pytest.raises(ValidationError):
        services.assign(firm.owner, order, w.worker)


def test_a_merchant_sees_only_its_own_firms_orders(client, w, firm):
    ours = _order(w, key="ours")
    theirs = _order(w, w.cleaning, key="theirs")
    assert theirs.provider == firm.rival_provider

    client.force_login(firm.owner)
    page = client.get(reverse("services_catalog:firm_orders", args=[firm.merchant.pk]) + "?status=").content.decode()
    assert ours.reference in page and theirs.reference not in page
    # Another merchant's order through our dashboard, or our order through theirs: not found.
    assert client.get(reverse("services_catalog:firm_order", args=[firm.merchant.pk, theirs.pk])).status_code == 404
    assert client.get(reverse("services_catalog:firm_orders", args=[firm.rival.pk])).status_code == 404
    assert client.get(reverse("services_catalog:firm_order", args=[firm.rival.pk, ours.pk])).status_code == 404
    response = client.post(reverse("services_catalog:firm_order", args=[firm.rival.pk, theirs.pk]), {"action": "start"})
    assert response.status_code == 404
    with pytest.raises(PermissionDenied):
        services.assign(firm.owner, theirs, firm.rival_owner)
    with pytest.raises(PermissionDenied):
        services.mark_started(firm.rival_owner, ours)


def test_a_former_member_loses_the_firms_orders(client, w, firm):
    order = _order(w)
    MerchantMember.objects.filter(user=firm.cleaner).update(active=False)
    client.force_login(firm.cleaner)
    assert client.get(reverse("services_catalog:firm_order", args=[firm.merchant.pk, order.pk])).status_code == 404
    assert firm.cleaner not in services.provider_people(order)


def test_a_merchant_link_is_only_for_an_outside_firm_of_the_same_company(w, firm):
    team = Provider(office=w.site.office, name="Team X", kind="team", merchant=firm.merchant)
    with pytest.raises(ValidationError, match="Only an outside firm"):
        team.full_clean()
    stranger = make_merchant(CompanyFactory(name="Other Property"), "Far Away", UserFactory())
    foreign = Provider(office=w.site.office, name="Firm X", kind="firm", merchant=stranger)
    with pytest.raises(ValidationError, match="another company"):
        foreign.full_clean()


def test_the_office_links_a_provider_to_a_merchant_in_the_back_office(client, w, firm):
    client.force_login(w.manager)
    url = reverse("services_provider:edit", args=[w.team.pk])
    page = client.get(url).content.decode()
    assert "Spotless Co." in page
    response = client.post(
        url,
        {
            "office": w.site.office.pk,
            "name": "Team A",
            "kind": "firm",
            "merchant": firm.rival.pk,
            "phone": "",
            "services": [w.moving.pk],
            "people": [w.worker.pk],
            "capacity_per_slot": 2,
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    w.team.refresh_from_db()
    assert w.team.merchant == firm.rival
