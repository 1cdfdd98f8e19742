"""Every resident view and back-office screen: the rightful user gets it; a neighbour of another unit
and staff of another office are refused (403/404, or sent to log in for the back office).

Table-driven: a new screen joins by adding one row to OBJECT_SCREENS or LIST_SCREENS.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse

from commerce.billing import runs as billing_runs
from commerce.billing.models import BillingRun, ChargeItem, ChargeStandard
from commerce.payments import services as payment_services
from frontend.models import NewsIndexPage, NewsPage, NoticeIndexPage, NoticePage
from frontend.site_setup import ensure_site
from portal.audit.models import AuditEntry
from portal.people import services
from portal.people.models import JoinRequest, StaffRole
from portal.properties.models import ParkingSpace
from tests.factories import (
    AccountFactory,
    BuildingFactory,
    CommunityFactory,
    CompanyFactory,
    GridFactory,
    InvitationFactory,
    OfficeFactory,
    RegionFactory,
    ResidentMembershipFactory,
    UnitFactory,
    enable_totp,
)

pytestmark = pytest.mark.django_db


def _staff(company, role, office=None):
    user = AccountFactory()
    services.add_staff_role(user, company=company, role=role, office=office)
    enable_totp(user)
    return user


def _publish(index, page, buildings=()):
    index.add_child(instance=page)
    if buildings:
        page.buildings.set(buildings)
    page.save_revision().publish()
    return page


@pytest.fixture
def w(db):
    home = ensure_site()
    company = CompanyFactory(name="Linli Property")
    region = RegionFactory(company=company)
    office_a, office_b = OfficeFactory(region=region), OfficeFactory(region=region)
    community_a, community_b = CommunityFactory(office=office_a), CommunityFactory(office=office_b)
    grid_a = GridFactory(community=community_a)
    building_a = BuildingFactory(community=community_a)
    unit_a = UnitFactory(building=building_a, grid=grid_a, number="A-1101")
    unit_a2 = UnitFactory(building=building_a, grid=grid_a, number="A-1102")
    unit_b = UnitFactory(building=BuildingFactory(community=community_b), number="B-0901")
    resident = AccountFactory(full_name="Resident Ruan")
    membership = ResidentMembershipFactory(user=resident, unit=unit_a)
    neighbour = AccountFactory(full_name="Neighbour Ni")
    ResidentMembershipFactory(user=neighbour, unit=unit_a2)
    far_resident = AccountFactory(full_name="Far Fang")
    ResidentMembershipFactory(user=far_resident, unit=unit_b)

    manager_a = _staff(company, StaffRole.OFFICE_MANAGER, office_a)
    manager_b = _staff(company, StaffRole.OFFICE_MANAGER, office_b)
    headquarters = _staff(company, StaffRole.HEADQUARTERS)
    other_company_hq = _staff(CompanyFactory(name="Other Property"), StaffRole.HEADQUARTERS)
    technician_a = _staff(company, StaffRole.TECHNICIAN, office_a)

    parking_a = ParkingSpace.objects.create(community=community_a, number="P-77", unit=unit_a)
    charge_item = ChargeItem.objects.create(office=office_a, code="mgmt-fee-a", name="Property fee A", kind="per_area")
    standard = ChargeStandard.objects.create(
        item=charge_item, name="Standard A", effective_from=date(2026, 1, 1), unit_price=Decimal("2.80")
    )
    billing_run = BillingRun.objects.create(
        office=office_a, period_start=date(2026, 1, 1), period_end=date(2026, 1, 31)
    )
    bill_a = billing_runs.execute_run(billing_run.pk).bills.get(unit=unit_a)
    payment_a = payment_services.record_desk_payment(manager_a, unit_a, "1.00", "cash", prepayment=True)
    invitation = InvitationFactory(unit=unit_a2, issued_by=manager_a, code="MATRIX01")
    join_request = _join_request_for(unit_a2)
    audit_entry = AuditEntry.objects.create(
        actor_id=manager_a.pk,
        actor_label="Manager A",
        action="update",
        object_type="properties.Unit",
        object_id=str(unit_a.pk),
        object_label="Unit A-1101 audited",
        office_id=office_a.pk,
        company_id=company.pk,
    )
    meeting_a = _open_meeting(manager_a, community_a)
    party_a = meeting_a.roll.get(owners=resident)
    facility_a, booking_a = _clubhouse_booking(resident, unit_a, community_a)
    notice = _publish(
        NoticeIndexPage.objects.child_of(home).get(),
        NoticePage(title="Water off in building A", community=community_a, body="<p>Tue 9-12</p>"),
        buildings=[building_a],
    )
    news = _publish(
        NewsIndexPage.objects.child_of(home).get(),
        NewsPage(title="Lotus festival in community A", community=community_a, intro="Come along"),
    )
    work_order = _work_order(resident, unit_a, manager_a, technician_a)
    service_a, provider_a, service_order_a = _service_order(resident, unit_a, manager_a, technician_a)
    conversation_a, campaign_a = _chat_and_campaign(resident, unit_a, manager_a)
    market_merchant_a, market_order_a, shop_owner_a, shop_owner_b = _market_order(resident, unit_a, company)
    meter_reading_a, notice_batch_a = _meters_and_notices(office_a, unit_a, community_a)
    return SimpleNamespace(**locals())


def _chat_and_campaign(resident, unit, manager):
    from notifications import chat
    from notifications.models import Campaign
    from notifications.services import notify

    conversation = chat.open_conversation(resident, unit, "Matrix chat A", "Hello office")
    campaign = Campaign.objects.create(
        office=unit.building.community.office, title="Matrix campaign A", message="Hi", created_by=manager
    )
    notify([resident], "chat.assigned", {"subject": "Matrix note A", "name": "Desk"})
    return conversation, campaign


def _meters_and_notices(office, unit, community):
    from commerce.documents.models import NoticeBatch
    from commerce.meters.models import Meter, MeterReading

    water = ChargeItem.objects.create(office=office, code="water-a", name="Water A", kind="metered")
    meter = Meter.objects.create(office=office, code="W-MATRIX-A", charge_item=water, unit=unit)
    reading = MeterReading.objects.create(meter=meter, date=date(2026, 1, 31), value=Decimal("10"))
    batch = NoticeBatch.objects.create(office=office, scope=f"community:{community.pk}", place="Matrix batch A")
    return reading, batch


def _work_order(resident, unit, dispatcher, technician):
    from portal.workorders import services as workorders

    order = workorders.file_request(by=resident, unit=unit, kind="repair", category="plumbing", description="Leak")
    return workorders.dispatch(order, by=dispatcher, technician=technician)


def _service_order(resident, unit, manager, worker):
    import datetime

    from django.utils import timezone

    from services_catalog import services as special
    from services_catalog.models import Provider, Service, ServiceCategory

    office = unit.building.community.office
    category = ServiceCategory.objects.create(office=office, name="Matrix cleaning A")
    service = Service.objects.create(
        office=office, category=category, name="Matrix deep cleaning A", summary="s", price_model="fixed", price=1
    )
    provider = Provider.objects.create(office=office, name="Matrix team A")
    provider.services.add(service)
    provider.people.add(worker)
    day = timezone.localdate() + datetime.timedelta(days=2)
    start = timezone.make_aware(datetime.datetime.combine(day, service.day_start))
    order = special.place_order(
        resident, unit, service, slot_start=start, payment_method="household", request_key="matrix"
    )
    return service, provider, special.assign(manager, order, worker)


def _market_order(resident, unit, company):
    """A merchant serving community A with a product, and a resident's order; a second merchant's owner."""
    from commerce.marketplace import services as market
    from commerce.marketplace.models import Category
    from tests.marketplace.conftest import make_merchant, make_variant

    fruit = Category.objects.create(company=company, name="Matrix fruit", commission_rate=Decimal("0.05"))
    community = unit.building.community
    merchant = make_merchant(company, [community], [fruit], name="Matrix Shop A")
    other = make_merchant(company, [community], [fruit], name="Matrix Shop B")
    apples = make_variant(merchant, fruit, name="Matrix apples A", price="5.00", stock=5)
    order = market.place_order(resident, unit, merchant, [(apples, 1)], fulfilment="delivery")
    return merchant, order, merchant.owner, other.owner


def _open_meeting(manager, community):
    from datetime import timedelta

    from django.utils import timezone

    from portal.voting import services as voting

    opens = timezone.now() - timedelta(hours=1)
    meeting = voting.create_meeting(
        manager, community, title="Matrix meeting A", opens_at=opens, closes_at=opens + timedelta(days=7)
    )
    voting.add_motion(manager, meeting, title="Hire a company", matter="property_company")
    return voting.announce(manager, meeting, now=opens - timedelta(days=15))


def _clubhouse_booking(resident, unit, community):
    import datetime

    from django.utils import timezone

    from portal.clubhouse import services as clubhouse
    from portal.clubhouse.models import Facility, OpeningHours

    facility = Facility.objects.create(community=community, name="Matrix gym A", capacity=5)
    OpeningHours.objects.bulk_create(
        OpeningHours(facility=facility, weekday=d, opens=datetime.time(8), closes=datetime.time(22)) for d in range(7)
    )
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    starts = timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time(10)))
    return facility, clubhouse.book(resident, unit, facility, starts, 2)


def _join_request_for(unit):
    requester = AccountFactory(full_name="Requester Ren")
    return JoinRequest.objects.create(user=requester, unit=unit, role="tenant", message="I rent it")


@dataclass(frozen=True)
class Screen:
    name: str
    url: object  # callable(world) -> path
    rightful: str  # attribute of the world
    outsiders: tuple[str, ...]
    method: str = "get"


def admin(name, obj_attr):
    return lambda w: reverse(name, args=[getattr(w, obj_attr).pk])


STAFF_OUTSIDERS = ("manager_b", "other_company_hq", "resident")

OBJECT_SCREENS = [
    *[
        Screen(
            f"community {action}",
            admin(f"properties_community:{action}", "community_a"),
            "headquarters",
            STAFF_OUTSIDERS,
        )
        for action in ("edit", "delete", "history")
    ],
    *[
        Screen(f"{model} {action}", admin(f"properties_{model}:{action}", attr), "manager_a", STAFF_OUTSIDERS)
        for model, attr in [
            ("building", "building_a"),
            ("grid", "grid_a"),
            ("unit", "unit_a"),
            ("parkingspace", "parking_a"),
        ]
        for action in ("edit", "delete", "history")
    ],
    Screen("unit lookup", admin("properties_unit:inspect", "unit_a"), "manager_a", STAFF_OUTSIDERS),
    Screen("office edit", admin("properties_office:edit", "office_a"), "headquarters", STAFF_OUTSIDERS),
    Screen("resident move-out", admin("people_residents:move_out", "membership"), "manager_a", STAFF_OUTSIDERS),
    Screen("invitation detail", admin("people_invitations:detail", "invitation"), "manager_a", STAFF_OUTSIDERS),
    Screen("invitation revoke", admin("people_invitations:revoke", "invitation"), "manager_a", STAFF_OUTSIDERS, "post"),
    Screen("join request decide", admin("people_join_requests:decide", "join_request"), "manager_a", STAFF_OUTSIDERS),
    Screen("audit entry", admin("audit:inspect", "audit_entry"), "manager_a", STAFF_OUTSIDERS),
    Screen("notice edit", admin("wagtailadmin_pages:edit", "notice"), "manager_a", ("manager_b", "other_company_hq")),
    Screen("charge item edit", admin("billing_chargeitem:edit", "charge_item"), "manager_a", STAFF_OUTSIDERS),
    Screen("charge standard edit", admin("billing_chargestandard:edit", "standard"), "manager_a", STAFF_OUTSIDERS),
    Screen("charge preview", admin("billing_preview", "charge_item"), "manager_a", STAFF_OUTSIDERS),
    Screen("billing run", admin("billing_runs:detail", "billing_run"), "manager_a", STAFF_OUTSIDERS),
    Screen("my bill", admin("my_bill", "bill_a"), "resident", ("neighbour", "far_resident", "manager_b")),
    Screen("my receipt", admin("my_receipt", "payment_a"), "resident", ("neighbour", "far_resident", "manager_b")),
    Screen(
        "desk payment",
        lambda w: f"{reverse('payments_desk:index')}?unit={w.unit_a.pk}",
        "manager_a",
        STAFF_OUTSIDERS,
    ),
    Screen("payment receipt", admin("payments_list:receipt", "payment_a"), "manager_a", STAFF_OUTSIDERS),
    Screen("owners' meeting control room", admin("voting_admin:meeting", "meeting_a"), "manager_a", STAFF_OUTSIDERS),
    Screen("owners' meeting", admin("voting:meeting", "meeting_a"), "resident", ("far_resident", "manager_b")),
    Screen(
        "ballot",
        lambda w: reverse("voting:vote", args=[w.meeting_a.pk, w.party_a.pk]),
        "resident",
        ("neighbour", "far_resident", "manager_b"),
    ),
    Screen("notice page", lambda w: w.notice.url, "resident", ("far_resident", "manager_b")),
    Screen("my market order", admin("market_order", "market_order_a"), "resident", ("neighbour", "far_resident")),
    Screen(
        "merchant's order",
        lambda w: reverse("market_merchant_order", args=[w.market_merchant_a.pk, w.market_order_a.pk]),
        "shop_owner_a",
        ("shop_owner_b", "resident", "manager_b"),
    ),
    Screen("merchant review", admin("market_admin_merchant", "market_merchant_a"), "headquarters", STAFF_OUTSIDERS),
    Screen(
        "my repair request",
        lambda w: reverse("workorders:detail", args=[w.work_order.reference]),
        "resident",
        ("neighbour", "far_resident", "manager_b"),
    ),
    Screen(
        "technician's work order",
        lambda w: reverse("workorders:job", args=[w.work_order.reference]),
        "technician_a",
        ("manager_b", "resident", "neighbour"),
    ),
    Screen("work order (back office)", admin("workorders_board:detail", "work_order"), "manager_a", STAFF_OUTSIDERS),
    Screen("clubhouse facility edit", admin("clubhouse_facility:edit", "facility_a"), "manager_a", STAFF_OUTSIDERS),
    Screen("clubhouse calendar", admin("clubhouse:facility", "facility_a"), "resident", ("far_resident", "manager_b")),
    Screen("clubhouse booking", admin("clubhouse:booking", "booking_a"), "resident", ("neighbour", "far_resident")),
    Screen("service edit", admin("services_service:edit", "service_a"), "manager_a", STAFF_OUTSIDERS),
    Screen("service provider edit", admin("services_provider:edit", "provider_a"), "manager_a", STAFF_OUTSIDERS),
    Screen(
        "service order (back office)", admin("services_orders:detail", "service_order_a"), "manager_a", STAFF_OUTSIDERS
    ),
    Screen(
        "my service order",
        admin("services_catalog:order", "service_order_a"),
        "resident",
        ("neighbour", "far_resident", "manager_b"),
    ),
    Screen("service job", admin("services_catalog:job", "service_order_a"), "technician_a", ("resident", "manager_b")),
    Screen("community news page", lambda w: w.news.url, "resident", ("far_resident", "manager_b")),
    Screen(
        "meter reading correction", admin("meters_readings:correct", "meter_reading_a"), "manager_a", STAFF_OUTSIDERS
    ),
    Screen("meter settings edit", admin("meters_settings:edit", "office_a"), "manager_a", STAFF_OUTSIDERS),
    Screen("payment notice batch", admin("documents_notice_batch", "notice_batch_a"), "manager_a", STAFF_OUTSIDERS),
    Screen(
        "chat conversation",
        admin("chat:detail", "conversation_a"),
        "resident",
        ("neighbour", "far_resident", "manager_b"),
    ),
    Screen(
        "chat conversation (staff)",
        admin("chat:detail", "conversation_a"),
        "manager_a",
        ("manager_b", "other_company_hq"),
    ),
    Screen("campaign", admin("notifications_campaign", "campaign_a"), "manager_a", STAFF_OUTSIDERS),
]

LIST_SCREENS = [
    # (name, url, marker text of office A / of the resident's household, rightful, outsiders)
    Screen("units", lambda w: reverse("properties_unit:index"), "manager_a", ("manager_b",)),
    Screen("residents", lambda w: reverse("people_residents:index"), "manager_a", ("manager_b",)),
    Screen("invitations", lambda w: reverse("people_invitations:index"), "manager_a", ("manager_b",)),
    Screen("join requests", lambda w: reverse("people_join_requests:index"), "manager_a", ("manager_b",)),
    Screen("staff", lambda w: reverse("people_staff:index"), "manager_a", ("manager_b",)),
    Screen("audit log", lambda w: reverse("audit:index"), "manager_a", ("manager_b",)),
    Screen("parking", lambda w: reverse("properties_parkingspace:index"), "manager_a", ("manager_b",)),
    Screen("charge items", lambda w: reverse("billing_chargeitem:index"), "manager_a", ("manager_b",)),
    Screen("payments", lambda w: reverse("payments_list:index"), "manager_a", ("manager_b",)),
    Screen("my home", lambda w: reverse("resident_home"), "resident", ("neighbour", "far_resident")),
    Screen("notice board", lambda w: "/notices/", "resident", ("far_resident",)),
    Screen("dispatch board", lambda w: reverse("workorders_board:index"), "manager_a", ("manager_b",)),
    Screen("my repairs", lambda w: reverse("workorders:index"), "resident", ("neighbour", "far_resident")),
    Screen("owners' meetings", lambda w: reverse("voting_admin:index"), "manager_a", ("manager_b",)),
    Screen("my votes", lambda w: reverse("voting:index"), "resident", ("far_resident",)),
    Screen("clubhouse facilities", lambda w: reverse("clubhouse_facility:index"), "manager_a", ("manager_b",)),
    Screen(
        "clubhouse desk",
        lambda w: f"{reverse('clubhouse_desk')}?day={w.booking_a.slot.starts_at.date().isoformat()}",
        "manager_a",
        ("manager_b",),
    ),
    Screen("my clubhouse", lambda w: reverse("clubhouse:home"), "resident", ("far_resident",)),
    Screen("meter settings", lambda w: reverse("meters_settings:index"), "manager_a", ("manager_b",)),
    Screen("meter readings", lambda w: reverse("meters_readings:index"), "manager_a", ("manager_b",)),
    Screen("payment notice batches", lambda w: reverse("documents_notices"), "manager_a", ("manager_b",)),
    Screen("service orders", lambda w: reverse("services_orders:index"), "manager_a", ("manager_b",)),
    Screen("services", lambda w: reverse("services_service:index"), "manager_a", ("manager_b",)),
    Screen("special services menu", lambda w: reverse("services_catalog:menu"), "resident", ("far_resident",)),
    Screen("marketplace", lambda w: reverse("market_home"), "resident", ("far_resident",)),
    Screen("my market orders", lambda w: reverse("market_orders"), "resident", ("neighbour", "far_resident")),
    Screen(
        "merchant orders",
        lambda w: reverse("market_merchant_orders", args=[w.market_merchant_a.pk]),
        "shop_owner_a",
        ("shop_owner_b", "resident"),
    ),
    Screen(
        "my service orders", lambda w: reverse("services_catalog:orders"), "resident", ("neighbour", "far_resident")
    ),
    Screen("chat inbox", lambda w: reverse("chat:inbox"), "manager_a", ("manager_b",)),
    Screen("campaigns", lambda w: reverse("notifications_campaigns"), "manager_a", ("manager_b",)),
    Screen("my notifications", lambda w: reverse("notifications:centre"), "resident", ("neighbour", "far_resident")),
    Screen("my chats", lambda w: reverse("chat:list"), "resident", ("neighbour", "far_resident")),
]
LIST_MARKERS = {
    "units": "A-1101",
    "residents": "Resident Ruan",
    "invitations": services.format_code("MATRIX01"),
    "join requests": "Requester Ren",
    "staff": lambda w: str(w.technician_a),
    "audit log": "Unit A-1101 audited",
    "parking": "P-77",
    "charge items": "Property fee A",
    "payments": lambda w: w.payment_a.receipt_number,
    "my home": "A-1101",
    "notice board": "Water off in building A",
    "dispatch board": lambda w: w.work_order.reference,
    "my repairs": lambda w: w.work_order.reference,
    "owners' meetings": "Matrix meeting A",
    "my votes": "Matrix meeting A",
    "clubhouse facilities": "Matrix gym A",
    "clubhouse desk": lambda w: w.booking_a.reference,
    "my clubhouse": "Matrix gym A",
    "meter settings": lambda w: w.office_a.name,
    "meter readings": "W-MATRIX-A",
    "payment notice batches": "Matrix batch A",
    "service orders": lambda w: w.service_order_a.reference,
    "services": "Matrix deep cleaning A",
    "special services menu": "Matrix deep cleaning A",
    "my service orders": lambda w: w.service_order_a.reference,
    "chat inbox": "Matrix chat A",
    "campaigns": "Matrix campaign A",
    "my notifications": "Matrix note A",
    "my chats": "Matrix chat A",
    "marketplace": "Matrix apples A",
    "my market orders": lambda w: w.market_order_a.number,
    "merchant orders": lambda w: w.market_order_a.number,
}


def _get(client, user, url, method="get"):
    client.force_login(user)
    return getattr(client, method)(url)


def _is_refused(response):
    if response.status_code in (403, 404):
        return True
    location = response.get("Location", "") if response.status_code == 302 else ""
    return "/login/" in location or location.startswith("/backoffice/") and response.status_code == 302


@pytest.mark.parametrize("screen", OBJECT_SCREENS, ids=lambda s: s.name)
def test_the_rightful_user_gets_the_screen(client, w, screen):
    response = _get(client, getattr(w, screen.rightful), screen.url(w), screen.method)
    expected = (200,) if screen.method == "get" else (200, 302)
    assert response.status_code in expected, (screen.name, response.status_code, response.get("Location"))


@pytest.mark.parametrize("screen", OBJECT_SCREENS, ids=lambda s: s.name)
def test_neighbours_and_staff_of_another_office_are_refused(client, w, screen):
    url = screen.url(w)
    for outsider in screen.outsiders:
        response = _get(client, getattr(w, outsider), url, screen.method)
        assert _is_refused(response), (screen.name, outsider, response.status_code, response.get("Location"))
        if response.status_code == 302:
            assert response["Location"].rstrip("/") != url.rstrip("/")


def _marker(screen, w):
    marker = LIST_MARKERS[screen.name]
    return marker(w) if callable(marker) else marker


@pytest.mark.parametrize("screen", LIST_SCREENS, ids=lambda s: s.name)
def test_lists_show_the_rightful_user_their_rows(client, w, screen):
    response = _get(client, getattr(w, screen.rightful), screen.url(w))
    assert response.status_code == 200
    assert _marker(screen, w) in response.content.decode()


@pytest.mark.parametrize("screen", LIST_SCREENS, ids=lambda s: s.name)
def test_lists_never_show_rows_to_a_neighbour_or_another_office(client, w, screen):
    for outsider in screen.outsiders:
        response = _get(client, getattr(w, outsider), screen.url(w))
        assert response.status_code in (200, 302, 403, 404)
        assert _marker(screen, w) not in response.content.decode(), (screen.name, outsider)


def test_an_outsiders_post_changes_nothing(client, w):
    for outsider in STAFF_OUTSIDERS:
        _get(client, getattr(w, outsider), reverse("people_invitations:revoke", args=[w.invitation.pk]), "post")
    w.invitation.refresh_from_db()
    assert w.invitation.revoked_at is None


def test_residents_are_kept_out_of_the_back_office(client, w):
    response = _get(client, w.resident, reverse("wagtailadmin_home"))
    assert _is_refused(response)
