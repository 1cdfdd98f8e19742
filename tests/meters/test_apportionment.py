"""Shared meters (公摊): loss = master − Σ sub-meters, split by area or usage, exact to the last 0.001."""

import datetime
from decimal import Decimal

import pytest

from commerce.meters import apportionment
from commerce.meters.models import Apportionment, Meter

from .conftest import reading

pytestmark = pytest.mark.django_db

D = Decimal
JAN = (datetime.date(2026, 1, 1), datetime.date(2026, 1, 31))


@pytest.mark.parametrize(
    "loss, keys, shares",
    [
        ("10", ["1", "1", "1"], ["3.334", "3.333", "3.333"]),  # ties: the first largest takes the remainder
        ("10", ["60", "90", "150"], ["2", "3", "5"]),
        ("1", ["60", "90", "150.01"], ["0.199", "0.299", "0.502"]),
        ("0.002", ["1", "1", "1"], ["0.002", "0", "0"]),
        ("7.777", ["3", "2", "1"], ["3.889", "2.592", "1.296"]),
    ],
)
def test_split_is_exact_and_the_remainder_goes_to_the_largest_share(loss, keys, shares):
    result = apportionment.split(D(loss), [D(k) for k in keys])

    assert result == [D(s) for s in shares]
    assert sum(result) == D(loss)


def _read(master, subs, master_values, sub_values):
    reading(master, "2025-12-31", master_values[0])
    reading(master, "2026-01-31", master_values[1])
    for m, (before, after) in zip(subs, sub_values, strict=True):
        reading(m, "2025-12-31", before)
        reading(m, "2026-01-31", after)


@pytest.mark.parametrize(
    "key, expected_keys, expected_shares",
    [
        (Meter.Key.AREA, ["60", "90", "150"], ["2", "3", "5"]),  # 300 m² in all
        (Meter.Key.USAGE, ["10", "20", "30"], ["1.666", "3.333", "5.001"]),  # 60 m³ in all
    ],
)
def test_the_loss_is_split_by_area_or_by_usage(shared, key, expected_keys, expected_shares):
    master, subs = shared
    master.apportion_by = key
    master.save()
    _read(master, subs, ("1000", "1070"), [("100", "110"), ("200", "220"), ("300", "330")])

    calc = apportionment.calculate(master, *JAN)

    assert (calc.master_usage.usage, calc.sub_total, calc.loss) == (D("70"), D("60"), D("10"))
    assert [s.key_value for s in calc.shares] == [D(k) for k in expected_keys]
    assert [s.quantity for s in calc.shares] == [D(q) for q in expected_shares]
    assert sum(s.quantity for s in calc.shares) == calc.loss


def test_a_negative_loss_is_an_error_and_nothing_is_saved(shared, clerk):
    master, subs = shared
    _read(master, subs, ("1000", "1050"), [("100", "110"), ("200", "220"), ("300", "330")])

    with pytest.raises(apportionment.ApportionmentError, match=r"loss is negative \(-10\)"):
        apportionment.apportion(master, *JAN, clerk)
    assert not Apportionment.objects.exists()


def test_a_missing_sub_meter_reading_stops_the_apportionment(shared):
    master, subs = shared
    _read(master, subs[:2], ("1000", "1070"), [("100", "110"), ("200", "220")])

    with pytest.raises(apportionment.ApportionmentError, match="W-1103"):
        apportionment.calculate(master, *JAN)


def test_saving_keeps_the_whole_calculation_and_saving_again_changes_nothing(shared, clerk):
    master, subs = shared
    _read(master, subs, ("1000", "1070"), [("100", "110"), ("200", "220"), ("300", "330")])

    saved = apportionment.apportion(master, *JAN, clerk)
    again = apportionment.apportion(master, *JAN, clerk)

    assert again.pk == saved.pk and Apportionment.objects.count() == 1
    assert (saved.master_from_reading.value, saved.master_to_reading.value) == (D("1000"), D("1070"))
    assert (saved.master_usage, saved.sub_total, saved.loss, saved.key_total) == (D(70), D(60), D(10), D(300))
    assert list(saved.shares.values_list("unit__number", "key_value", "sub_usage", "quantity")) == [
        ("1101", D("60"), D("10"), D("2")),
        ("1102", D("90"), D("20"), D("3")),
        ("1103", D("150"), D("30"), D("5")),
    ]
