"""Recording readings: checks, abnormal readings held with the reason, confirm/reject, period usage."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from commerce.meters import services
from commerce.meters.models import MeterReading, MeterSettings

from .conftest import meter, reading

pytestmark = pytest.mark.django_db

D = Decimal
S = MeterReading.Status
TODAY = timezone.localdate()  # the services count days in the portal's time zone, not the machine's


def day(n):
    """n days before today."""
    return TODAY - datetime.timedelta(days=n)


@pytest.fixture
def m(site, water, units):
    return meter(site.office, water, "W-1101", unit=units[0])


def test_a_first_reading_sets_the_baseline_and_the_next_one_counts_usage(m, clerk):
    first = services.record_reading(m, day(40), "1234.5", clerk)
    second = services.record_reading(m, day(10), D("1250"), clerk)

    assert (first.status, first.usage, first.previous_value) == (S.ACCEPTED, None, None)
    assert (second.status, second.usage, second.previous_value, second.previous_date) == (
        S.ACCEPTED,
        D("15.500"),
        D("1234.500"),
        day(40),
    )
    assert second.entered_by == clerk and second.source == "manual"


def test_the_multiplier_scales_the_usage(site, water, units, clerk):
    ct = meter(site.office, water, "E-1", unit=units[0], multiplier=D("40"))
    services.record_reading(ct, day(40), "100.25", clerk)

    assert services.record_reading(ct, day(10), "101.5", clerk).usage == D("50.000")


@pytest.mark.parametrize(
    "date, value, message",
    [
        (TODAY + datetime.timedelta(days=1), "10", "is in the future"),
        (day(5), "abc", "is not a number"),
        (day(5), "-1", "cannot be negative"),
        (day(5), "1.2345", "at most 3 decimal places"),
        (day(5), 1.5, "not as a float"),
        (day(30), "130", "already has a reading on"),
        (day(31), "130", "is before the meter's last reading"),
    ],
)
def test_bad_readings_are_refused_and_nothing_is_saved(m, clerk, date, value, message):
    reading(m, day(30), "120")

    with pytest.raises(ValidationError) as refused:
        services.record_reading(m, date, value, clerk)

    assert message in " ".join(refused.value.messages)
    assert MeterReading.objects.count() == 1


def test_an_inactive_meter_takes_no_readings(m, clerk):
    m.active = False
    m.save()
    with pytest.raises(ValidationError, match="not active"):
        services.record_reading(m, day(1), "1", clerk)


def test_only_billing_staff_of_the_office_record_readings(m, technician, other_clerk, manager):
    for outsider in (technician, other_clerk):
        with pytest.raises(PermissionDenied):
            services.record_reading(m, day(1), "1", outsider)
    assert services.record_reading(m, day(1), "1", manager).status == S.ACCEPTED


def _history(m, usages, step=30):
    """Readings every ``step`` days ending ``step`` days ago, with these usages after a baseline of 1000."""
    value, date = D("1000"), day(step * (len(usages) + 1))
    reading(m, date, value)
    for usage in usages:
        previous, value, date = value, value + D(usage), date + datetime.timedelta(days=step)
        before = date - datetime.timedelta(days=step)
        MeterReading.objects.create(
            meter=m, date=date, value=value, previous_value=previous, previous_date=before, usage=D(usage)
        )
    return value


@pytest.mark.parametrize(
    "history, factor, new_usage, held, reason",
    [
        (["10", "12", "8", "10", "11", "9"], None, "30", False, ""),  # exactly 3× the average of 10: fine
        (["10", "12", "8", "10", "11", "9"], None, "30.001", True, "more than 3× the usual 10 for 30 days"),
        (["10", "12", "8", "10", "11", "9"], "4", "35", False, ""),  # the office allows 4×
        (["100", "100", "10", "10", "10", "10", "10", "10"], None, "31", True, "last 6 readings"),  # only 6 count
        ([], None, "500", False, ""),  # no history: nothing to compare with
        (["0", "0"], None, "5", False, ""),  # an empty flat has no usual usage to exceed
        (["10", "10"], None, "-0.5", True, "Lower than the previous reading"),
    ],
)
def test_abnormal_readings_are_held_with_the_reason(site, m, clerk, history, factor, new_usage, held, reason):
    if factor:
        MeterSettings.objects.create(office=site.office, abnormal_factor=D(factor))
    last = _history(m, history) if history else services.record_reading(m, day(60), "1000", clerk).value

    new = services.record_reading(m, day(0) if history else day(30), last + D(new_usage), clerk)

    assert new.status == (S.HELD if held else S.ACCEPTED)
    assert reason in new.flag_reason
    assert new.usage == D(new_usage)


def test_usage_per_day_is_compared_so_a_longer_gap_is_not_abnormal(m, clerk):
    last = _history(m, ["10", "10", "10"], step=30)  # about 0.33 a day; last reading 30 days ago

    late = services.record_reading(m, day(0) + datetime.timedelta(days=0), last + D("25"), clerk)
    assert late.status == S.ACCEPTED  # 25 in 30 days < 3 × 10


def test_a_meter_with_a_held_reading_takes_no_new_one_until_it_is_decided(m, clerk):
    reading(m, day(60), "100")
    held = services.record_reading(m, day(30), "90", clerk)
    assert held.status == S.HELD

    with pytest.raises(ValidationError, match="has a held reading"):
        services.record_reading(m, day(1), "110", clerk)

    services.reject_reading(held, clerk, "Misread 9 for 0")
    again = services.record_reading(m, day(30), "109", clerk)  # the same date can be read again
    assert (again.status, again.previous_value, again.usage) == (S.ACCEPTED, D("100.000"), D("9.000"))


@pytest.mark.parametrize(
    "start, action, end, allowed",
    [
        (S.HELD, "confirm", S.CONFIRMED, True),
        (S.HELD, "reject", S.REJECTED, True),
        (S.ACCEPTED, "confirm", None, False),
        (S.ACCEPTED, "reject", None, False),
        (S.CONFIRMED, "reject", None, False),
        (S.REJECTED, "confirm", None, False),
    ],
)
def test_only_held_readings_are_confirmed_or_rejected(m, clerk, start, action, end, allowed):
    r = reading(m, day(5), "10", status=start)
    act = services.confirm_reading if action == "confirm" else services.reject_reading

    if allowed:
        decided = act(r, clerk, "checked on site")
        assert (decided.status, decided.decided_by, decided.decision_note) == (end, clerk, "checked on site")
    else:
        with pytest.raises(ValidationError, match="cannot go from"):
            act(r, clerk, "x")
        r.refresh_from_db()
        assert r.status == start


def test_rejecting_needs_a_reason_and_billing_staff(m, clerk, technician):
    r = reading(m, day(5), "10", status=S.HELD)
    with pytest.raises(ValidationError, match="Give a reason"):
        services.reject_reading(r, clerk, "  ")
    with pytest.raises(PermissionDenied):
        services.confirm_reading(r, technician)
    r.refresh_from_db()
    assert r.status == S.HELD


def test_held_readings_are_decided_in_order(m, clerk):
    reading(m, day(90), "100")
    first = reading(m, day(60), "90", status=S.HELD, previous="100")
    second = reading(m, day(30), "95", status=S.HELD, previous="90")

    with pytest.raises(ValidationError, match="earlier held reading"):
        services.confirm_reading(second, clerk)
    with pytest.raises(ValidationError, match="reject that one first"):
        services.reject_reading(first, clerk, "wrong")
    services.reject_reading(second, clerk, "wrong")
    services.reject_reading(first, clerk, "wrong")
    assert set(MeterReading.objects.values_list("status", flat=True)) == {S.ACCEPTED, S.REJECTED}


JAN = (datetime.date(2026, 1, 1), datetime.date(2026, 1, 31))


@pytest.mark.parametrize(
    "readings, expected",
    [
        # (date, value, status) — usage = last billable in January − last billable before January
        ([("2025-12-31", "100", S.ACCEPTED), ("2026-01-31", "112.5", S.ACCEPTED)], ("100", "112.5", "12.5")),
        ([("2025-12-20", "100", S.ACCEPTED), ("2026-01-10", "105", S.ACCEPTED), ("2026-01-30", "111", S.ACCEPTED)],
         ("100", "111", "11")),
        ([("2026-01-02", "50", S.ACCEPTED), ("2026-01-31", "58", S.ACCEPTED)], ("50", "58", "8")),  # a new meter
        ([("2026-01-02", "50", S.ACCEPTED)], None),  # only its first reading: nothing to bill yet
        ([("2025-12-31", "100", S.ACCEPTED)], None),  # no reading in January
        ([("2025-12-31", "100", S.ACCEPTED), ("2026-01-31", "90", S.HELD)], None),  # held: not billed
        ([("2025-12-31", "100", S.ACCEPTED), ("2026-01-31", "190", S.CONFIRMED)], ("100", "190", "90")),
        ([("2025-12-31", "100", S.ACCEPTED), ("2026-01-15", "104", S.ACCEPTED), ("2026-01-31", "80", S.HELD)],
         ("100", "104", "4")),  # up to the last billable reading
        ([("2025-12-31", "100", S.ACCEPTED), ("2026-01-31", "130", S.REJECTED)], None),
        ([("2025-11-30", "90", S.ACCEPTED), ("2026-02-01", "130", S.ACCEPTED)], None),  # after the period
    ],
)  # fmt: skip
def test_usage_of_a_period(m, readings, expected):
    for date, value, status in readings:
        reading(m, date, value, status=status)

    usage = services.period_usage(m, *JAN)

    if expected is None:
        assert usage is None
    else:
        assert (usage.start.value, usage.end.value, usage.usage) == tuple(D(v) for v in expected)
        assert usage.describe("m³") == f"{expected[0]} → {expected[1]} m³"
