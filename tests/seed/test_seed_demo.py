"""``manage.py seed_demo`` builds a realistic demo company, idempotently; ``demo_totp`` gives staff codes."""

import re
import time
from decimal import Decimal
from io import StringIO

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import CommandError, call_command
from django.db.models import Count
from wagtail.models import Page

from portal import demo
from portal.people.management.commands.demo_totp import current_code
from portal.people.models import ResidentMembership, ResidentRole, StaffMembership, StaffRole, User
from portal.properties.models import Building, Community, Company, Grid, Office, ParkingSpace, Region, Unit

pytestmark = pytest.mark.django_db

OFFICE_ROLES = [StaffRole.FRONT_DESK, StaffRole.HOUSEKEEPER, StaffRole.TECHNICIAN, StaffRole.BILLING_CLERK,
                StaffRole.OFFICE_MANAGER]  # fmt: skip


def seed(*args):
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded():
    return seed("--households", "200")


def counts():
    from allauth.account.models import EmailAddress

    models = [Company, Region, Office, Community, Building, Grid, Unit, ParkingSpace, User, ResidentMembership,
              StaffMembership, Authenticator, EmailAddress, Page]  # fmt: skip
    return {model.__name__: model.objects.count() for model in models}


def test_seeding_builds_one_company_with_two_offices_and_three_communities(seeded):
    company = Company.objects.get()
    assert company.name == demo.COMPANY_NAME
    assert Region.objects.filter(company=company).count() == 1
    assert set(Office.objects.values_list("code", flat=True)) == {"chengdong", "binjiang"}
    assert Community.objects.count() == 3
    assert Unit.objects.count() == 200
    for community in Community.objects.all():
        assert community.buildings.exists()
        assert community.parking_spaces.exists()


def test_buildings_are_high_rises_with_two_to_four_flats_a_floor(seeded):
    for building in Building.objects.annotate(n=Count("units")):
        assert building.n <= building.floors * 4
        assert building.units.filter(floor=building.floors).exists()  # no empty floors on top
    full = Building.objects.annotate(n=Count("units")).filter(floors__gte=18)
    assert full.exists()
    assert all(2 <= b.n / b.floors <= 4 for b in full)


def test_every_unit_has_a_grid_of_its_own_community_and_every_grid_a_housekeeper(seeded):
    assert not Unit.objects.exclude(grid__community=models_F("building__community")).exists()
    for grid in Grid.objects.select_related("housekeeper", "community__office"):
        keeper = grid.housekeeper
        assert keeper is not None and keeper.full_name and keeper.phone
        assert StaffMembership.objects.active().filter(
            user=keeper, role=StaffRole.HOUSEKEEPER, office=grid.community.office
        ).exists()
        assert keeper.full_name in grid.description and keeper.phone in grid.description


def models_F(path):
    from django.db.models import F

    return F(path)


def test_grids_hold_about_350_to_400_households_at_full_size():
    seed()  # the default 5,500 households

    assert Unit.objects.count() == demo.DEFAULT_HOUSEHOLDS
    sizes = list(Grid.objects.annotate(n=Count("units")).values_list("n", flat=True))
    assert len(sizes) >= 14
    assert all(300 <= n <= 450 for n in sizes), sizes
    assert 350 <= sum(sizes) / len(sizes) <= 400


def test_floor_areas_are_realistic_decimals_and_some_units_are_unsold_or_vacant(seeded):
    areas = list(Unit.objects.values_list("floor_area", flat=True))
    assert all(isinstance(a, Decimal) and a == a.quantize(Decimal("0.01")) for a in areas)
    assert all(Decimal("60") <= a <= Decimal("180") for a in areas)
    assert len(set(areas)) >= 10  # a few floor plans per building, each a different size
    statuses = set(Unit.objects.values_list("status", flat=True))
    assert statuses == {Unit.Status.SOLD, Unit.Status.UNSOLD, Unit.Status.VACANT}
    assert all(isinstance(p.area, Decimal) for p in ParkingSpace.objects.all())


def test_every_office_has_staff_in_every_role_and_headquarters_exist(seeded):
    for office in Office.objects.all():
        for role in OFFICE_ROLES:
            assert StaffMembership.objects.active().filter(office=office, role=role).exists(), (office, role)
    assert StaffMembership.objects.active().filter(role=StaffRole.HEADQUARTERS, office=None).exists()


def test_staff_have_totp_and_the_back_office_permission_of_their_role(seeded):
    staff = User.objects.filter(staff_memberships__isnull=False).distinct()
    per_office = 7  # manager, 2 front desk, 3 technicians, 1 billing clerk; housekeepers come per grid
    assert staff.count() == 2 * per_office + Grid.objects.count() + 2
    for user in staff:
        assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        assert user.has_perm("wagtailadmin.access_admin"), user
    manager = User.objects.get(email=demo.DEMO_LOGIN_BY_KEY["office_manager"].email)
    assert manager.groups.filter(name="role:office_manager").exists()


def test_every_bought_unit_has_one_owner_and_occupied_ones_some_tenants_and_family(seeded):
    bought = Unit.objects.filter(status__in=[Unit.Status.SOLD, Unit.Status.VACANT])
    owners = ResidentMembership.objects.active().filter(role=ResidentRole.OWNER)
    assert set(owners.values_list("unit_id", flat=True)) == set(bought.values_list("pk", flat=True))
    assert owners.count() == bought.count()
    assert not ResidentMembership.objects.filter(unit__status=Unit.Status.UNSOLD).exists()  # the developer pays
    living = ResidentMembership.objects.exclude(role=ResidentRole.OWNER)
    assert not living.filter(unit__status=Unit.Status.VACANT).exists()
    assert living.filter(role=ResidentRole.TENANT).exists()
    assert living.filter(role=ResidentRole.FAMILY).exists()
    residents = User.objects.filter(memberships__isnull=False).exclude(email=demo.DEMO_LOGIN_BY_KEY["resident"].email)
    assert residents.values("password").distinct().count() == 1  # one hash, computed once


def test_the_demo_resident_owns_a_flat_in_the_demo_housekeepers_grid(seeded):
    resident = User.objects.get(email=demo.DEMO_LOGIN_BY_KEY["resident"].email)
    membership = ResidentMembership.objects.active().get(user=resident)
    assert membership.role == ResidentRole.OWNER
    assert membership.unit.grid.housekeeper.email == demo.DEMO_LOGIN_BY_KEY["housekeeper"].email
    assert resident.phone == demo.DEMO_LOGIN_BY_KEY["resident"].phone


def test_every_demo_login_exists_with_the_demo_password_and_is_printed(seeded):
    for login in demo.DEMO_LOGINS:
        user = User.objects.get(email=login.email)
        assert user.check_password(demo.DEMO_PASSWORD), login.key
        assert login.email in seeded
        if login.role != "resident":
            assert StaffMembership.objects.active().filter(user=user, role=login.role).exists()
    assert demo.DEMO_PASSWORD in seeded


def test_the_demo_resident_signs_in_with_email_or_phone(client, seeded):
    login = demo.DEMO_LOGIN_BY_KEY["resident"]
    for identifier in (login.email, login.phone):
        client.logout()
        response = client.post("/accounts/login/", {"login": identifier, "password": demo.DEMO_PASSWORD})
        assert response.status_code == 302, identifier
        assert response.url == "/my/"
        assert client.get("/my/").status_code == 200


def test_demo_staff_sign_in_with_the_password_and_the_code_demo_totp_prints(client, seeded):
    login = demo.DEMO_LOGIN_BY_KEY["office_manager"]

    response = client.post("/accounts/login/", {"login": login.email, "password": demo.DEMO_PASSWORD})
    assert response.status_code == 302
    assert response.url == "/accounts/2fa/authenticate/"

    out = StringIO()
    call_command("demo_totp", login.email, stdout=out)
    code = out.getvalue().strip()
    assert re.fullmatch(r"\d{6}", code)
    response = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert response.status_code == 302
    assert client.get("/backoffice/").status_code == 200


def test_demo_totp_defaults_to_the_office_manager_and_refuses_accounts_with_their_own_secret(seeded):
    from allauth.mfa.totp.internal.auth import TOTP

    out = StringIO()
    call_command("demo_totp", stdout=out)
    assert out.getvalue().strip() in {current_code(demo.DEMO_TOTP_SECRET, time.time() + d) for d in (-1, 0, 1)}

    real = User.objects.create_user(email="real.staff@example.com", password="x" * 12)
    TOTP.activate(real, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    with pytest.raises(CommandError, match="does not use the demo secret"):
        call_command("demo_totp", "real.staff@example.com", stdout=StringIO())
    with pytest.raises(CommandError, match="no TOTP authenticator"):
        call_command("demo_totp", demo.DEMO_LOGIN_BY_KEY["resident"].email, stdout=StringIO())


def test_demo_news_and_notices_are_published(seeded):
    from frontend.models import NewsPage, NoticePage

    assert NewsPage.objects.live().exists()
    for community in Community.objects.all():
        assert NoticePage.objects.live().filter(community=community).exists(), community


def test_running_it_again_creates_nothing_new(seeded):
    before = counts()

    output = seed("--households", "200")

    assert counts() == before
    assert "nothing new" in output


def test_once_seeds_an_empty_database_and_then_does_nothing(seeded):
    before = counts()

    output = seed("--once", "--households", "300")

    assert "already present" in output
    assert counts() == before


def test_once_on_an_empty_database_seeds_it():
    seed("--once", "--households", "100")

    assert Unit.objects.count() == 100


def test_too_few_households_are_refused_with_a_clear_message():
    with pytest.raises(CommandError, match=f"at least {demo.MIN_HOUSEHOLDS}"):
        seed("--households", "5")
    assert not Company.objects.exists()


def test_every_office_is_billed_for_three_months_and_a_sample_paid_the_earlier_ones(seeded):
    from django.utils import timezone

    from commerce.billing.demo import PAYING_HOUSEHOLDS_PER_OFFICE
    from commerce.billing.models import Bill, BillingRun
    from commerce.ledger.models import Entry
    from commerce.ledger.services import sum_in_cents
    from commerce.payments.models import Payment
    from commerce.payments.services import outstanding_by_bill

    this_month = timezone.localdate().replace(day=1)
    for office in Office.objects.all():
        runs = BillingRun.objects.filter(office=office, status=BillingRun.Status.DONE)
        assert runs.count() == 3
        assert runs.order_by("-period_start").first().period_start == this_month
        payments = Payment.objects.filter(office=office, status=Payment.Status.SUCCEEDED)
        assert 0 < payments.count() <= PAYING_HOUSEHOLDS_PER_OFFICE + 1
        assert all(payment.receipt_number for payment in payments)
    assert Entry.objects.aggregate(cents=sum_in_cents())["cents"] == 0  # the ledger balances

    resident = User.objects.get(email=demo.DEMO_LOGIN_BY_KEY["resident"].email)
    fee_bills = list(
        Bill.objects.filter(unit__memberships__user=resident, source="", status=Bill.Status.ISSUED).order_by(
            "period_start"
        )
    )
    owed = outstanding_by_bill(fee_bills)
    assert [bill.period_start < this_month for bill in fee_bills] == [True, True, False]
    assert [owed[bill.pk] for bill in fee_bills[:2]] == [Decimal("0.00")] * 2
    assert owed[fee_bills[2].pk] == fee_bills[2].total > 0

