"""Replacing a meter: final and start readings, one bill line across the swap, sub-meters carried over."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from commerce.billing import runs
from commerce.billing.models import Bill, BillingRun
from commerce.meters import apportionment, replacements
from commerce.meters.models import Meter, MeterBillLine, MeterReading, MeterReplacement
from portal.append_only import AppendOnlyError
from tests.billing.conftest import make_item
from tests.factories import ResidentMembershipFactory, UserFactory

from .conftest import meter, reading

pytestmark = pytest.mark.django_db

D = Decimal
JAN, FEB, MAR = datetime.date(2026, 1, 1), datetime.date(2026, 2, 1), datetime.date(2026, 3, 1)


def run_now(office, by, month):
    run = BillingRun.objects.create(
        office=office, period_start=month, period_end=runs.month_bounds(month)[1], created_by=by
    )
    return runs.execute_run(run.pk)


@pytest.fixture
def old(site, water, units, clerk):
    """W-1101 billed up to 110 in January."""
    m = meter(site.office, water, "W-1101", unit=units[0])
    reading(m, "2025-12-31", "100")
    reading(m, "2026-01-31", "110", previous="100")
    run_now(site.office, clerk, JAN)
    return m


def lines(unit, month):
    return [
        (line.amount, line.quantity, line.explanation)
        for line in Bill.objects.get(unit=unit, period_start=month).lines.all()
    ]


def test_usage_across_a_replacement_is_old_final_minus_last_billed_plus_new_reading_minus_start(
    site, units, old, clerk
):
    done = replacements.replace_meter(old, datetime.date(2026, 2, 15), "116", "W-1101N", "0", clerk, reason="Broken")
    new = done.new_meter
    assert (new.unit, new.charge_item, new.active) == (units[0], old.charge_item, True)
    old.refresh_from_db()
    assert old.active is False and done.final_reading.usage == D("6") and done.start_reading.value == D("0")

    reading(new, "2026-02-28", "4", previous="0")
    run_now(site.office, clerk, FEB)

    assert lines(units[0], FEB) == [
        (D("35.00"), D("10"), "W-1101 110 → 116 + W-1101N 0 → 4 m³ · 10 m³ × ¥3.50 = ¥35.00")
    ]
    sources = MeterBillLine.objects.filter(bill_line__bill__period_start=FEB).order_by("pk")
    assert [(s.meter.code, s.from_reading.value, s.to_reading.value) for s in sources] == [
        ("W-1101", D("110"), D("116")),
        ("W-1101N", D("0"), D("4")),
    ]

    reading(new, "2026-03-31", "9", previous="4")
    run_now(site.office, clerk, MAR)
    assert lines(units[0], MAR)[0][:2] == (D("17.50"), D("5"))  # only the new meter from now on


def test_a_tiered_price_sees_the_whole_months_usage_across_the_swap(site, units, clerk):
    tiered = make_item(site.office, "metered", code="power", measure="kWh", tiers=[("10", "1.00"), (None, "2.00")])
    m = meter(site.office, tiered, "E-1101", unit=units[0])
    reading(m, "2025-12-31", "0")
    done = replacements.replace_meter(m, datetime.date(2026, 1, 15), "8", "E-1101N", "0", clerk)
    reading(done.new_meter, "2026-01-31", "8", previous="0")

    run_now(site.office, clerk, JAN)

    ((amount, quantity, _text),) = lines(units[0], JAN)
    assert (amount, quantity) == (D("22.00"), D("16"))  # 10 × 1.00 + 6 × 2.00, not two first tiers


def test_when_the_new_meter_is_not_read_yet_the_old_meters_last_segment_is_billed_alone(site, units, old, clerk):
    replacements.replace_meter(old, datetime.date(2026, 2, 27), "113", "W-1101N", "0", clerk)

    run_now(site.office, clerk, FEB)

    assert [line[:2] for line in lines(units[0], FEB)] == [(D("10.50"), D("3"))]


def test_a_replaced_shared_meter_hands_over_its_sub_meters_and_the_loss_spans_both(site, units, shared, clerk):
    master, subs = shared
    reading(master, "2025-12-31", "1000")
    for m in subs:
        reading(m, "2025-12-31", "0")
        reading(m, "2026-01-31", "10", previous="0")
    done = replacements.replace_meter(master, datetime.date(2026, 1, 20), "1020", "W-M2", "0", clerk)
    reading(done.new_meter, "2026-01-31", "15", previous="0")

    assert set(done.new_meter.sub_meters.all()) == set(subs) and done.moved_sub_meters == [m.code for m in subs]
    calc = apportionment.calculate(done.new_meter, JAN, datetime.date(2026, 1, 31))
    assert (calc.master_usage.usage, calc.sub_total, calc.loss) == (D("35"), D("30"), D("5"))


def test_the_replacement_is_kept_as_history(old, clerk):
    done = replacements.replace_meter(old, datetime.date(2026, 2, 15), "116", "W-1101N", "0", clerk)

    with pytest.raises(AppendOnlyError):
        MeterReplacement.objects.filter(pk=done.pk).delete()
    assert MeterReading.objects.filter(meter=old).count() == 3  # nothing removed


@pytest.mark.parametrize(
    ("final", "code", "message"),
    [
        ("105", "W-1101N", "cannot be lower than the meter's last reading (110 on 2026-01-31)"),
        ("116", "W-1101", "already has a meter W-1101"),
        ("x", "W-1101N", "is not a number"),
    ],
)
def test_a_bad_replacement_is_refused_and_changes_nothing(old, clerk, final, code, message):
    with pytest.raises(ValidationError) as refused:
        replacements.replace_meter(old, datetime.date(2026, 2, 15), final, code, "0", clerk)

    assert message in " ".join(refused.value.messages)
    old.refresh_from_db()
    assert old.active and Meter.objects.count() == 1 and not MeterReplacement.objects.exists()


def test_a_meter_is_replaced_only_once(old, clerk):
    replacements.replace_meter(old, datetime.date(2026, 2, 15), "116", "W-1101N", "0", clerk)
    with pytest.raises(ValidationError):
        replacements.replace_meter(old, datetime.date(2026, 2, 16), "117", "W-1101X", "0", clerk)


def test_staff_of_another_office_cannot_replace(old, other_clerk):
    with pytest.raises(PermissionDenied):
        replacements.replace_meter(old, datetime.date(2026, 2, 15), "116", "W-1101N", "0", other_clerk)


def test_a_clerk_replaces_a_meter_from_the_back_office(client, site, old, clerk, units):
    client.force_login(clerk)
    url = reverse("meters_readings:replace")
    assert client.get(url).status_code == 200

    response = client.post(
        url,
        {"office": site.office.pk, "meter": "w-1101", "date": "2026-02-15", "final_value": "116",
         "new_code": "W-1101N", "start_value": "0", "reason": "Broken"},
        follow=True,
    )  # fmt: skip

    assert "Meter W-1101 replaced by W-1101N on 2026-02-15." in response.content.decode()
    assert MeterReplacement.objects.get().replaced_by == clerk


def test_another_offices_meter_cannot_be_named_in_the_form(client, site, other_site, old, other_clerk):
    client.force_login(other_clerk)

    response = client.post(
        reverse("meters_readings:replace"),
        {"office": other_site.office.pk, "meter": "W-1101", "date": "2026-02-15", "final_value": "116",
         "new_code": "X", "start_value": "0"},
    )  # fmt: skip

    assert response.status_code == 200 and "Unknown meter" in response.content.decode()
    response = client.post(
        reverse("meters_readings:replace"),
        {"office": site.office.pk, "meter": "W-1101", "date": "2026-02-15", "final_value": "116",
         "new_code": "X", "start_value": "0"},
    )  # fmt: skip
    assert response.status_code == 200
    assert not MeterReplacement.objects.exists()


def test_the_resident_sees_both_meters_on_the_line(client, site, units, old, clerk):
    done = replacements.replace_meter(old, datetime.date(2026, 2, 15), "116", "W-1101N", "0", clerk)
    reading(done.new_meter, "2026-02-28", "4", previous="0")
    run_now(site.office, clerk, FEB)
    resident = UserFactory()
    ResidentMembershipFactory(user=resident, unit=units[0])
    client.force_login(resident)

    page = client.get(reverse("my_bill", args=[Bill.objects.get(unit=units[0], period_start=FEB).pk])).content.decode()

    assert "Meter W-1101, read on 2026-01-31 and 2026-02-15" in page
    assert "Meter W-1101N, read on 2026-02-15 and 2026-02-28" in page
    assert "The meter was replaced this month" in page
