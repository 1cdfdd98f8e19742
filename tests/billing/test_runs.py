"""The monthly billing run: one bill per unit and month, posted once, resumable, voidable; its screens."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from commerce.billing import runs
from commerce.billing.models import Bill, BillingRun, BillLine, ChargeStandard, UnitStandardAssignment
from commerce.ledger.models import Account, AccountKind, Entry, Posting
from commerce.ledger.services import balance, household_balance, system_account
from portal.people.models import StaffRole
from portal.properties.models import Unit
from tests.factories import ResidentMembershipFactory, UnitFactory, UserFactory
from tests.properties.conftest import staff

from .conftest import make_item

pytestmark = pytest.mark.django_db

D = Decimal
JAN = datetime.date(2026, 1, 1)
FEB = datetime.date(2026, 2, 1)


@pytest.fixture
def items(site):
    return {
        "fee": make_item(site.office, "per_area", code="property-fee", price="2.80"),
        "garbage": make_item(site.office, "fixed_per_unit", code="garbage", price="10"),
        "water": make_item(site.office, "metered", code="water", price="3.50", measure="m³"),
    }


@pytest.fixture
def units(site, unit):
    second = UnitFactory(building=site.building, grid=site.grid, number="1102", floor=11, floor_area=D("100.00"))
    return [unit, second]


@pytest.fixture
def manager(site):
    return staff(StaffRole.OFFICE_MANAGER, site.office, full_name="Manager A")


def run_now(office, by, month=JAN):
    run = BillingRun.objects.create(
        office=office, period_start=month, period_end=runs.month_bounds(month)[1], created_by=by
    )
    return runs.execute_run(run.pk)


def income(site, code):
    return system_account(site.office.region.company, AccountKind.INCOME, charge_code=code, office=site.office)


def test_a_run_bills_every_unit_once_with_its_lines_and_one_balanced_posting(site, units, items, clerk):
    run = run_now(site.office, clerk)

    assert run.status == "done" and (run.total, run.done, run.billed, run.error_count) == (2, 2, 2, 0)
    bill = Bill.objects.get(unit=units[0])
    assert bill.total == D("260.60") and bill.payer == "household"
    assert [(line.item.code, line.amount) for line in bill.lines.order_by("item__code")] == [
        ("garbage", D("10.00")),
        ("property-fee", D("250.60")),
    ]
    assert bill.lines.get(item__code="property-fee").explanation == "89.50 m² × ¥2.80 = ¥250.60"
    assert bill.posting.idempotency_key == f"bill:{units[0].pk}:2026-01"
    assert household_balance(units[0]) == D("260.60")
    assert household_balance(units[1]) == D("290.00")
    assert balance(income(site, "property-fee")) == D("-530.60")
    assert balance(income(site, "garbage")) == D("-20.00")
    assert Posting.objects.count() == 2


def test_metered_items_are_not_billed_without_readings_and_the_run_says_so(site, units, items, clerk):
    run = run_now(site.office, clerk)

    assert not BillLine.objects.filter(item=items["water"]).exists()
    assert run.notes == ["“metered item”: 2 units have no reading for this month and are not billed for it."]


def _cycled_items(site):
    from commerce.billing.models import ChargeItem

    yearly = make_item(site.office, "fixed_per_unit", code="insurance", price="10")
    quarterly = make_item(site.office, "per_area", code="elevator", price="0.50")
    ChargeItem.objects.filter(pk=yearly.pk).update(cycle=ChargeItem.Cycle.YEARLY)
    ChargeItem.objects.filter(pk=quarterly.pk).update(cycle=ChargeItem.Cycle.QUARTERLY)
    make_item(site.office, "one_off", code="key-copy", price="30")


def test_items_the_monthly_run_leaves_out_are_named_in_the_preview_and_the_run(site, units, items, clerk):
    _cycled_items(site)

    preview = runs.preview_run(site.office, FEB)
    run = run_now(site.office, clerk, FEB)

    expected = [
        "“metered item”: 2 units have no reading for this month and are not billed for it.",
        "“fixed_per_unit item” is billed yearly, for the whole year, in January.",
        "“one_off item” is a one-off charge: the monthly run does not bill it.",
        "“per_area item” is billed quarterly, for three months at a time, in January, April, July and October.",
    ]
    assert preview.notes == expected
    assert run.notes == expected
    assert not BillLine.objects.filter(item__code__in=["insurance", "elevator", "key-copy"]).exists()


def test_quarterly_and_yearly_items_are_billed_in_their_first_month_for_the_whole_cycle(site, units, items, clerk):
    _cycled_items(site)

    run_now(site.office, clerk, JAN)

    bill = Bill.objects.get(unit=units[0], period_start=JAN)
    lines = {line.item.code: line for line in bill.lines.all()}
    assert lines["insurance"].amount == D("120.00") and lines["insurance"].explanation == "¥10.00 × 12 months = ¥120.00"
    assert lines["elevator"].amount == D("134.25")  # 89.50 m² × ¥0.50 × 3 months
    assert lines["elevator"].explanation == "89.50 m² × ¥0.50 × 3 months = ¥134.25"
    assert lines["property-fee"].amount == D("250.60")  # monthly items stay monthly

    run_now(site.office, clerk, datetime.date(2026, 4, 1))
    april = Bill.objects.get(unit=units[0], period_start=datetime.date(2026, 4, 1))
    assert {line.item.code for line in april.lines.all()} == {"property-fee", "garbage", "elevator"}


def test_running_again_bills_nothing_twice_and_a_unit_added_later_is_billed_next_time(site, units, items, clerk):
    run_now(site.office, clerk)
    late = UnitFactory(building=site.building, grid=site.grid, number="1201", floor=12, floor_area=D("50.00"))

    second = run_now(site.office, clerk)

    assert (second.total, second.billed, second.skipped) == (3, 1, 2)
    assert Bill.objects.count() == 3 and Posting.objects.count() == 3
    assert household_balance(units[0]) == D("260.60")
    assert Bill.objects.get(unit=late).total == D("150.00")


def test_unsold_units_bill_the_developer_account(site, units, items, clerk):
    Unit.objects.filter(pk=units[1].pk).update(status=Unit.Status.UNSOLD)

    run_now(site.office, clerk)

    developer = system_account(site.office.region.company, AccountKind.DEVELOPER, office=site.office)
    assert Bill.objects.get(unit=units[1]).payer == "developer"
    assert balance(developer) == D("290.00")
    assert household_balance(units[1]) == D("0.00")
    assert not Account.objects.filter(unit=units[1]).exists()


def test_an_error_on_one_unit_is_recorded_and_the_others_are_billed(site, units, items, clerk):
    # An old standard (so it overlaps no other) whose formula needs a reading that does not exist yet.
    broken = ChargeStandard.objects.create(
        item=items["fee"],
        name="Usage-based",
        effective_from=datetime.date(2020, 1, 1),
        effective_to=datetime.date(2020, 12, 31),
        formula="usage * 2",
    )
    UnitStandardAssignment.objects.create(unit=units[1], item=items["fee"], standard=broken, effective_from=JAN)

    run = run_now(site.office, clerk)

    assert run.status == "done" and (run.billed, run.error_count) == (1, 1)
    assert run.error_log[0]["unit_id"] == units[1].pk
    assert "uses the usage" in run.error_log[0]["message"]
    assert list(Bill.objects.values_list("unit_id", flat=True)) == [units[0].pk]
    assert not Posting.objects.filter(idempotency_key__startswith=f"bill:{units[1].pk}:").exists()


def test_the_dry_run_counts_and_totals_without_writing_anything(site, units, items, clerk):
    run_now(site.office, clerk)
    late = UnitFactory(building=site.building, grid=site.grid, number="1201", floor=12, floor_area=D("50.00"))
    before = (Bill.objects.count(), Posting.objects.count(), Entry.objects.count(), Account.objects.count())

    preview = runs.preview_run(site.office, datetime.date(2026, 1, 17))

    assert (preview.units_total, preview.units_to_bill, preview.already_billed) == (3, 1, 2)
    assert preview.total == D("150.00")
    totals = {row.item.code: (row.units, row.total) for row in preview.items}
    assert totals == {"property-fee": (1, D("140.00")), "garbage": (1, D("10.00")), "water": (0, D("0.00"))}
    assert len(preview.notes) == 1
    assert (Bill.objects.count(), Posting.objects.count(), Entry.objects.count(), Account.objects.count()) == before
    assert not Account.objects.filter(unit=late).exists()


def test_voiding_reverses_every_posting_and_the_month_can_be_billed_again(site, units, items, clerk, manager):
    run = run_now(site.office, clerk)

    runs.void_run(run, manager, "Wrong price")

    run.refresh_from_db()
    assert run.status == "voided" and run.void_reason == "Wrong price" and run.voided_by == manager
    assert set(Bill.objects.values_list("status", flat=True)) == {"voided"}
    assert household_balance(units[0]) == D("0.00") and household_balance(units[1]) == D("0.00")
    assert balance(income(site, "property-fee")) == D("0.00")
    assert Posting.objects.filter(kind="reversal").count() == 2

    again = run_now(site.office, clerk)
    assert again.billed == 2
    assert household_balance(units[0]) == D("260.60")
    assert Bill.objects.get(unit=units[0], status="issued").posting.idempotency_key.endswith(":r1")


def test_only_managers_void_and_a_reason_is_required(site, units, items, clerk, manager):
    run = run_now(site.office, clerk)
    with pytest.raises(PermissionDenied):
        runs.void_run(run, clerk, "Wrong price")
    with pytest.raises(ValidationError):
        runs.void_run(run, manager, "  ")
    run.refresh_from_db()
    assert run.status == "done" and household_balance(units[0]) == D("260.60")


@pytest.mark.parametrize(
    ("old", "new"),
    [("pending", "done"), ("done", "running"), ("voided", "running"), ("failed", "done"), ("running", "voided")],
)
def test_transitions_not_in_the_table_raise(site, old, new):
    run = BillingRun(office=site.office, period_start=JAN, period_end=datetime.date(2026, 1, 31), status=old)
    with pytest.raises(ValidationError):
        run.check_transition(new)


def test_a_pending_run_of_the_same_office_and_month_cannot_be_started_twice(site, units, items, clerk):
    BillingRun.objects.create(office=site.office, period_start=JAN, period_end=datetime.date(2026, 1, 31))
    with pytest.raises(ValidationError, match="already under way"):
        runs.start_run(site.office, JAN, clerk)


# Through the back office -------------------------------------------------------------------------


def test_the_clerk_previews_then_starts_a_run_and_sees_done_over_total(
    client, site, units, items, clerk, django_capture_on_commit_callbacks
):
    client.force_login(clerk)
    url = reverse("billing_runs:new")
    assert client.get(url).status_code == 200

    preview = client.post(url, {"office": site.office.pk, "month": "2026-01", "preview": ""})
    assert preview.status_code == 200
    assert "¥550.60" in preview.content.decode() and not BillingRun.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"office": site.office.pk, "month": "2026-01", "confirm": ""})
    run = BillingRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("billing_runs:detail", args=[run.pk])

    page = client.get(response["Location"]).content.decode()
    assert "2 / 2 units done" in page and "¥550.60" in page
    assert 'hx-trigger="every 2s"' not in page and "htmx" in page  # the script, for when a run is polled
    listing = client.get(reverse("billing_runs:index")).content.decode()
    assert "2 / 2" in listing


def test_the_progress_fragment_polls_while_the_run_is_running(client, site, units, clerk):
    run = BillingRun.objects.create(
        office=site.office, period_start=JAN, period_end=datetime.date(2026, 1, 31), status="running", total=2
    )
    client.force_login(clerk)
    fragment = client.get(reverse("billing_runs:detail", args=[run.pk]), headers={"HX-Request": "true"})
    body = fragment.content.decode()
    assert 'data-active="1"' in body and "<html" not in body and "0 / 2 units done" in body


def test_a_bad_month_is_refused_with_a_message(client, site, clerk):
    client.force_login(clerk)
    response = client.post(reverse("billing_runs:new"), {"office": site.office.pk, "month": "January", "preview": ""})
    assert response.status_code == 200 and "Enter a month such as 2026-01." in response.content.decode()
    assert not BillingRun.objects.exists()


def test_another_offices_run_is_404_and_its_office_cannot_be_chosen(client, site, other_site, units, items, clerk):
    other_run = BillingRun.objects.create(
        office=other_site.office, period_start=JAN, period_end=datetime.date(2026, 1, 31)
    )
    client.force_login(clerk)
    assert client.get(reverse("billing_runs:detail", args=[other_run.pk])).status_code == 404
    refused = client.post(reverse("billing_runs:new"), {"office": other_site.office.pk, "month": "2026-01"})
    assert refused.status_code == 200 and not BillingRun.objects.exclude(pk=other_run.pk).exists()
    assert str(other_site.office) not in client.get(reverse("billing_runs:index")).content.decode()


def test_the_manager_voids_a_run_from_its_page_and_the_clerk_cannot(client, site, units, items, clerk, manager):
    run = run_now(site.office, clerk)
    url = reverse("billing_runs:detail", args=[run.pk])
    client.force_login(clerk)
    refused = client.post(url, {"reason": "Wrong price"})
    assert refused.status_code == 302 and refused["Location"] == reverse("wagtailadmin_home")  # Wagtail's 403
    run.refresh_from_db()
    assert run.status == "done"
    client.force_login(manager)
    assert "Void the run" in client.get(url).content.decode()
    assert client.post(url, {"reason": "Wrong price"}).status_code == 302
    run.refresh_from_db()
    assert run.status == "voided" and household_balance(units[0]) == D("0.00")


def test_billing_runs_are_in_the_billing_menu_of_clerks_but_not_of_technicians(client, site, clerk, technician):
    client.force_login(clerk)
    assert reverse("billing_runs:index") in client.get(reverse("wagtailadmin_home")).content.decode()
    client.force_login(technician)
    assert reverse("billing_runs:index") not in client.get(reverse("wagtailadmin_home")).content.decode()
    assert client.get(reverse("billing_runs:index")).status_code in (302, 403)


# The resident's bills ----------------------------------------------------------------------------


def test_the_resident_sees_their_bill_with_explanations_and_balance_but_not_a_neighbours(
    client, site, units, items, clerk
):
    resident, neighbour = UserFactory(), UserFactory()
    ResidentMembershipFactory(user=resident, unit=units[0])
    ResidentMembershipFactory(user=neighbour, unit=units[1])
    run_now(site.office, clerk)
    mine = Bill.objects.get(unit=units[0])
    theirs = Bill.objects.get(unit=units[1])

    client.force_login(resident)
    page = client.get(reverse("my_bills")).content.decode()
    assert "89.50 m² × ¥2.80 = ¥250.60" in page and "You owe ¥260.60" in page and "¥290.00" not in page
    assert reverse("my_bills") in client.get(reverse("resident_home")).content.decode()
    detail = client.get(reverse("my_bill", args=[mine.pk]))
    assert detail.status_code == 200 and "¥260.60" in detail.content.decode()
    assert client.get(reverse("my_bill", args=[theirs.pk])).status_code == 404
