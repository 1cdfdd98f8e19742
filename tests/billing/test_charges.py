"""Every fee mode, tier boundaries, formulas, effective dates and unit assignments, with the explanation."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from commerce.billing.charges import ChargeError, compute_charge, standard_for
from commerce.billing.models import ChargeItem, ChargeStandard, UnitStandardAssignment, check_tiers
from portal.properties.models import ParkingSpace
from tests.billing.conftest import JAN, make_item

pytestmark = pytest.mark.django_db
K = ChargeItem.Kind
WATER = [("15", "3.50"), ("30", "4.80"), (None, "6.20")]


@pytest.mark.parametrize(
    ("kind", "price", "spaces", "period", "amount", "explanation"),
    [
        (K.PER_AREA, "2.80", 0, JAN, "250.60", "89.50 m² × ¥2.80 = ¥250.60"),
        (K.PER_AREA, "3.2", 0, JAN, "286.40", "89.50 m² × ¥3.20 = ¥286.40"),
        (K.PER_AREA, "2.8125", 0, JAN, "251.72", "89.50 m² × ¥2.8125 = ¥251.72"),  # 251.71875 rounds once
        (
            K.PER_AREA,
            "2.80",
            0,
            (datetime.date(2025, 1, 1), datetime.date(2025, 3, 31)),
            "751.80",
            "89.50 m² × ¥2.80 × 3 months = ¥751.80",
        ),
        (K.FIXED_PER_UNIT, "15", 0, JAN, "15.00", "¥15.00 = ¥15.00"),
        (K.FIXED_PER_PARKING, "150", 2, JAN, "300.00", "2 parking spaces × ¥150.00 = ¥300.00"),
        (K.FIXED_PER_PARKING, "150", 1, JAN, "150.00", "1 parking space × ¥150.00 = ¥150.00"),
        (K.FIXED_PER_PARKING, "150", 0, JAN, "0.00", "0 parking spaces × ¥150.00 = ¥0.00"),
        (K.ONE_OFF, "80", 0, JAN, "80.00", "one-off ¥80.00 = ¥80.00"),
    ],
)
def test_each_fixed_mode_charges_and_explains(site, unit, kind, price, spaces, period, amount, explanation):
    for n in range(spaces):
        ParkingSpace.objects.create(community=site.community, number=f"B1-{n}", unit=unit)
    ParkingSpace.objects.create(community=site.community, number="B1-other")  # not the unit's
    item = make_item(site.office, kind, price=price)
    line = compute_charge(unit, item, *period)
    assert line.amount == Decimal(amount)
    assert line.amount.as_tuple().exponent == -2
    assert line.explanation == explanation


@pytest.mark.parametrize(
    ("usage", "amount", "explanation"),
    [
        ("0", "0.00", "0 m³ × ¥3.50 = ¥0.00"),
        ("10", "35.00", "10 m³ × ¥3.50 = ¥35.00"),
        ("15", "52.50", "15 m³ × ¥3.50 = ¥52.50"),  # exactly at the first boundary: all in tier 1
        ("15.001", "52.50", "15.001 m³: 15 m³ × ¥3.50 + 0.001 m³ × ¥4.80 = ¥52.50"),
        ("25", "100.50", "25 m³: 15 m³ × ¥3.50 + 10 m³ × ¥4.80 = ¥100.50"),
        ("30", "124.50", "30 m³: 15 m³ × ¥3.50 + 15 m³ × ¥4.80 = ¥124.50"),
        ("42.5", "202.00", "42.5 m³: 15 m³ × ¥3.50 + 15 m³ × ¥4.80 + 12.5 m³ × ¥6.20 = ¥202.00"),
    ],
)
def test_tiered_water_splits_usage_across_tiers(site, unit, usage, amount, explanation):
    item = make_item(site.office, K.METERED, tiers=WATER, measure="m³")
    line = compute_charge(unit, item, *JAN, usage=Decimal(usage))
    assert (line.amount, line.explanation) == (Decimal(amount), explanation)
    assert line.quantity == Decimal(usage)


def test_flat_metered_electricity_rounds_once_at_the_end(site, unit):
    item = make_item(site.office, K.METERED, price="0.588", measure="kWh")
    line = compute_charge(unit, item, *JAN, usage=Decimal("123"))
    assert line.amount == Decimal("72.32")
    assert line.explanation == "123 kWh × ¥0.588 = ¥72.32"


def test_a_metered_item_needs_the_usage_and_refuses_a_negative_or_float_one(site, unit):
    item = make_item(site.office, K.METERED, price="0.588", measure="kWh")
    with pytest.raises(ChargeError, match="give the usage"):
        compute_charge(unit, item, *JAN)
    with pytest.raises(ChargeError, match="negative"):
        compute_charge(unit, item, *JAN, usage=Decimal("-1"))
    with pytest.raises(TypeError):
        compute_charge(unit, item, *JAN, usage=12.5)


@pytest.mark.parametrize(
    ("kind", "text", "usage", "amount", "explanation"),
    [
        (K.PER_AREA, "area * unit_price * months", None, "250.60",
         "area * unit_price * months (area = 89.50, months = 1, unit_price = 2.80) = ¥250.60"),
        (K.PER_AREA, "if(floor > 10, area * 3.20, area * 2.80)", None, "286.40",
         "if(floor > 10, area * 3.20, area * 2.80) (area = 89.50, floor = 11) = ¥286.40"),
        (K.METERED, "min(usage, 15) * 3.5 + max(usage - 15, 0) * 4.8", Decimal("20"), "76.50",
         "min(usage, 15) * 3.5 + max(usage - 15, 0) * 4.8 (usage = 20) = ¥76.50"),
        (K.ONE_OFF, "round(200 / 3, 2)", None, "66.67", "round(200 / 3, 2) = ¥66.67"),
    ],
)  # fmt: skip
def test_formula_standards_show_the_formula_and_its_values(site, unit, kind, text, usage, amount, explanation):
    item = make_item(site.office, kind, price="2.80", formula=text)
    line = compute_charge(unit, item, *JAN, usage=usage)
    assert (line.amount, line.explanation) == (Decimal(amount), explanation)


def test_a_formula_dividing_by_zero_is_a_clear_charge_error(site, unit):
    item = make_item(site.office, K.PER_AREA, formula="area / (floor - 11)")
    with pytest.raises(ChargeError, match="Division by zero at position 6"):
        compute_charge(unit, item, *JAN)


def test_a_formula_with_an_unknown_variable_cannot_be_saved(site):
    item = ChargeItem.objects.create(office=site.office, code="x", name="X", kind=K.PER_AREA)
    standard = ChargeStandard(item=item, name="S", effective_from=datetime.date(2025, 1, 1), formula="area * rate")
    with pytest.raises(ValidationError) as caught:
        standard.full_clean()
    assert "Unknown variable “rate” at position 8" in str(caught.value.message_dict["formula"])


def test_the_standard_in_effect_follows_the_dates(site, unit):
    item = make_item(site.office, K.PER_AREA, price="2.50", end="2024-12-31")
    ChargeStandard.objects.create(item=item, name="2025", effective_from=datetime.date(2025, 1, 1), unit_price=3)
    assert standard_for(unit, item, datetime.date(2024, 12, 31)).name == "Standard"
    assert standard_for(unit, item, datetime.date(2025, 1, 1)).name == "2025"
    assert compute_charge(unit, item, *JAN).amount == Decimal("268.50")
    with pytest.raises(ChargeError, match="no standard in effect on 2023-12-01"):
        standard_for(unit, item, datetime.date(2023, 12, 1))


@pytest.mark.parametrize(
    ("start", "end", "overlaps"),
    [
        ("2024-06-01", None, True),
        ("2023-01-01", "2024-01-01", True),  # touches the first day
        ("2023-01-01", "2023-12-31", False),
        ("2025-01-01", None, False),
    ],
)
def test_standards_of_one_item_may_not_overlap(site, start, end, overlaps):
    item = make_item(site.office, K.PER_AREA, price="2.50", end="2024-12-31")
    standard = ChargeStandard(
        item=item,
        name="New",
        unit_price=3,
        effective_from=datetime.date.fromisoformat(start),
        effective_to=datetime.date.fromisoformat(end) if end else None,
    )
    if overlaps:
        with pytest.raises(ValidationError, match="overlap the standard “Standard”"):
            standard.full_clean()
    else:
        standard.full_clean()


def test_a_unit_assignment_wins_over_the_item_standard_while_in_effect(site, unit):
    item = make_item(site.office, K.PER_AREA, price="2.80")
    discount = ChargeStandard.objects.create(
        item=item, name="Ground floor", effective_from=datetime.date(2030, 1, 1), unit_price=Decimal("1.50")
    )
    UnitStandardAssignment.objects.create(
        unit=unit,
        item=item,
        standard=discount,
        effective_from=datetime.date(2025, 1, 1),
        effective_to=datetime.date(2025, 1, 31),
    )
    assert compute_charge(unit, item, *JAN).explanation == "89.50 m² × ¥1.50 = ¥134.25"
    assert compute_charge(unit, item, datetime.date(2025, 2, 1), datetime.date(2025, 2, 28)).amount == Decimal("250.60")


def test_an_assignment_must_match_item_office_and_not_overlap(site, other_site, unit):
    item = make_item(site.office, K.PER_AREA, price="2.80")
    foreign = make_item(other_site.office, K.PER_AREA, price="9", code="foreign")
    good = UnitStandardAssignment(
        unit=unit, item=item, standard=item.standards.get(), effective_from=datetime.date(2025, 1, 1)
    )
    good.full_clean()
    good.save()
    again = UnitStandardAssignment(
        unit=unit, item=item, standard=item.standards.get(), effective_from=datetime.date(2026, 1, 1)
    )
    with pytest.raises(ValidationError, match="already has an assignment"):
        again.full_clean()
    wrong = UnitStandardAssignment(
        unit=unit, item=foreign, standard=item.standards.get(), effective_from=datetime.date(2025, 1, 1)
    )
    with pytest.raises(ValidationError) as caught:
        wrong.full_clean()
    assert set(caught.value.message_dict) == {"standard", "unit"}


@pytest.mark.parametrize(
    ("start", "end"),
    [("2025-01-02", "2025-01-31"), ("2025-01-01", "2025-01-30"), ("2025-02-01", "2025-01-31")],
)
def test_periods_must_be_whole_months(site, unit, start, end):
    item = make_item(site.office, K.FIXED_PER_UNIT, price="15")
    with pytest.raises(ChargeError, match="A billing period runs from the 1st"):
        compute_charge(unit, item, datetime.date.fromisoformat(start), datetime.date.fromisoformat(end))


@pytest.mark.parametrize(
    ("limits", "ok"),
    [
        ([Decimal(15), Decimal(30), None], True),
        ([None], True),
        ([], True),
        ([Decimal(15), Decimal(30)], False),  # no open last tier
        ([Decimal(30), Decimal(15), None], False),
        ([Decimal(15), Decimal(15), None], False),
        ([None, Decimal(15), None], False),
    ],
)
def test_tier_limits_rise_and_only_the_last_is_open(limits, ok):
    if ok:
        check_tiers(limits)
    else:
        with pytest.raises(ValidationError):
            check_tiers(limits)


def test_demo_charges_are_seeded_once_and_price_like_the_brief(db):
    from commerce.billing.demo import seed_demo_charges
    from tests.factories import OfficeFactory, UnitFactory

    office = OfficeFactory(code="binjiang")
    assert seed_demo_charges() == 5
    assert seed_demo_charges() == 0
    assert ChargeStandard.objects.filter(item__office=office).count() == 5
    unit = UnitFactory(building__community__office=office, floor_area=Decimal("100.00"))
    water = ChargeItem.objects.get(office=office, code="water")
    assert compute_charge(unit, water, *JAN, usage=Decimal("31")).amount == Decimal("130.70")
    fee = ChargeItem.objects.get(office=office, code="property-fee")
    assert compute_charge(unit, fee, *JAN).explanation == "100.00 m² × ¥3.20 = ¥320.00"
