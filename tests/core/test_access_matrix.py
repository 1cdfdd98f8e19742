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
    notice = _publish(
        NoticeIndexPage.objects.child_of(home).get(),
        NoticePage(title="Water off in building A", community=community_a, body="<p>Tue 9-12</p>"),
        buildings=[building_a],
    )
    news = _publish(
        NewsIndexPage.objects.child_of(home).get(),
        NewsPage(title="Lotus festival in community A", community=community_a, intro="Come along"),
    )
    return SimpleNamespace(**locals())


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
    Screen("notice page", lambda w: w.notice.url, "resident", ("far_resident", "manager_b")),
    Screen("community news page", lambda w: w.news.url, "resident", ("far_resident", "manager_b")),
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
