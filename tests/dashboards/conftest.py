"""Two offices of one company with real bills (billing runs), desk payments, work orders and a chat.

Office a: two households in grid G1 (housekeeper Keeper Hu), ¥100 a month each; household 101 has paid
this month at the desk, 102 owes. Office b: one household that owes. Work orders: in office a one fresh
repair, one left undispatched for half an hour (past the three-minute dispatch clock) and one dispatched
to Tech Tang; in office b one overdue complaint. Resident Ruan of 101 has written to the office in chat.
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from commerce.billing import runs as billing_runs
from commerce.billing.models import BillingRun
from commerce.payments import services as payments
from notifications import chat
from portal.people.models import StaffRole
from portal.workorders import services as workorders
from tests.billing.conftest import make_item
from tests.factories import AccountFactory, CompanyFactory, RegionFactory, ResidentMembershipFactory, UnitFactory
from tests.properties.conftest import make_site, staff


@pytest.fixture(autouse=True)
def _plain_settings(settings):
    settings.STAFF_MFA_REQUIRED = False
    settings.LANGUAGE_CODE = "en"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def run_this_month(office):
    start = timezone.localdate().replace(day=1)
    run = BillingRun.objects.create(office=office, period_start=start, period_end=billing_runs.month_bounds(start)[1])
    return billing_runs.execute_run(run.pk)


def resident_of(unit, name):
    person = AccountFactory(full_name=name)
    ResidentMembershipFactory(user=person, unit=unit)
    return person


@pytest.fixture
def w(db):
    company = CompanyFactory(name="Linli Property")
    site = make_site(RegionFactory(company=company, name="East"), "a")
    other = make_site(RegionFactory(company=company, name="West"), "b")
    keeper = staff(StaffRole.HOUSEKEEPER, site.office, full_name="Keeper Hu")
    site.grid.housekeeper = keeper
    site.grid.save()
    unit = UnitFactory(building=site.building, grid=site.grid, number="101", floor=1)
    debtor = UnitFactory(building=site.building, grid=site.grid, number="102", floor=1)
    other_unit = UnitFactory(building=other.building, grid=other.grid, number="201", floor=2)
    resident, neighbour = resident_of(unit, "Resident Ruan"), resident_of(debtor, "Neighbour Ni")
    far = resident_of(other_unit, "Far Fang")
    make_item(site.office, "fixed_per_unit", price="100.00")
    make_item(other.office, "fixed_per_unit", price="100.00")
    ns = SimpleNamespace(
        company=company,
        site=site,
        other=other,
        office=site.office,
        unit=unit,
        debtor=debtor,
        other_unit=other_unit,
        resident=resident,
        neighbour=neighbour,
        far=far,
        keeper=keeper,
        tech=staff(StaffRole.TECHNICIAN, site.office, full_name="Tech Tang"),
        clerk=staff(StaffRole.BILLING_CLERK, site.office, full_name="Clerk Cao"),
        other_clerk=staff(StaffRole.BILLING_CLERK, other.office, full_name="Clerk Bo"),
        manager=staff(StaffRole.OFFICE_MANAGER, site.office, full_name="Manager Ma", email="ma@example.com"),
        other_manager=staff(StaffRole.OFFICE_MANAGER, other.office, full_name="Manager Mo", email="mo@example.com"),
        hq=staff(StaffRole.HEADQUARTERS, company=company, full_name="HQ Huang", email="hq@example.com"),
    )
    ns.run = run_this_month(site.office)
    ns.other_run = run_this_month(other.office)
    ns.payment = payments.record_desk_payment(ns.clerk, unit, Decimal("100.00"), "cash")
    now = timezone.now()
    ns.fresh = workorders.file_request(
        by=resident, unit=unit, kind="repair", category="plumbing", description="Tap drips", now=now
    )
    ns.late = workorders.file_request(
        by=neighbour,
        unit=debtor,
        kind="repair",
        category="electrical",
        description="No power",
        now=now - datetime.timedelta(minutes=30),
    )
    ns.job = workorders.file_request(
        by=resident, unit=unit, kind="repair", category="door_lock", description="Lock stuck", now=now
    )
    ns.job = workorders.dispatch(ns.job, by=keeper, technician=ns.tech, now=now)
    ns.far_late = workorders.file_request(
        by=far,
        unit=other_unit,
        kind="complaint",
        category="noise",
        description="Noise at night",
        now=now - datetime.timedelta(minutes=30),
    )
    ns.chat = chat.open_conversation(resident, unit, "Parcel", "Is my parcel at the desk?")
    # The model's default language is fixed when it is imported (zh-hans); these people read English.
    type(keeper).objects.update(preferred_language="en")
    return ns
