"""The money helpers: exact Decimals, one rounding function, minor units at gateways, display."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from commerce.money import format_money, from_minor_units, parse_amount, round_money, to_decimal, to_minor_units


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("0.005"), Decimal("0.01")),
        (Decimal("0.004"), Decimal("0.00")),
        (Decimal("-0.005"), Decimal("-0.01")),
        (Decimal("2.675"), Decimal("2.68")),
        (Decimal("1234.5"), Decimal("1234.50")),
        (Decimal("7"), Decimal("7.00")),
        (Decimal("89.50") * Decimal("2.3333"), Decimal("208.83")),
    ],
)
def test_round_money_rounds_half_up_to_the_cent(value, expected):
    rounded = round_money(value)
    assert rounded == expected
    assert rounded.as_tuple().exponent == -2


@pytest.mark.parametrize("value", [0.1, 1, "1.00", True])
def test_round_money_takes_only_decimals(value):
    with pytest.raises(TypeError):
        round_money(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("12.3"), Decimal("12.30")),
        (Decimal("12.300"), Decimal("12.30")),
        ("  99.99 ", Decimal("99.99")),
        (100, Decimal("100.00")),
        ("-5", Decimal("-5.00")),
        ("-0", Decimal("0.00")),
    ],
)
def test_to_decimal_gives_exact_two_place_amounts(value, expected):
    amount = to_decimal(value)
    assert amount == expected
    assert str(amount) == str(expected)


@pytest.mark.parametrize(
    ("value", "kwargs", "message"),
    [
        (0.1, {}, "must not be a float"),
        (12.5, {}, "must not be a float"),
        (Decimal("1.005"), {}, "more than 2 decimal places"),
        ("0.001", {}, "more than 2 decimal places"),
        ("-1.00", {"negative_ok": False}, "must not be negative"),
        ("abc", {}, "not a number"),
        ("NaN", {}, "not a number"),
        (Decimal("Infinity"), {}, "not a number"),
        (None, {}, "not a number"),
        (True, {}, "not a number"),
    ],
)
def test_to_decimal_refuses_what_is_not_an_exact_amount(value, kwargs, message):
    with pytest.raises(ValidationError, match=message):
        to_decimal(value, **kwargs)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.50", Decimal("1234.50")),
        (" 1,234.5 ", Decimal("1234.50")),
        ("¥88", Decimal("88.00")),
        ("￥1，000", Decimal("1000.00")),
        ("0", Decimal("0.00")),
    ],
)
def test_parse_amount_reads_what_people_type(text, expected):
    assert parse_amount(text) == expected


@pytest.mark.parametrize(
    ("text", "kwargs", "message"),
    [
        ("", {}, "Enter an amount"),
        ("   ", {}, "Enter an amount"),
        ("12.345", {}, "more than 2 decimal places"),
        ("-12", {}, "must not be negative"),
        ("1e3", {}, "such as 1234.50"),
        ("12 yuan", {}, "such as 1234.50"),
        ("１２", {}, "such as 1234.50"),
        ("1.2.3", {}, "not a number"),
    ],
)
def test_parse_amount_refuses_bad_input_with_a_clear_message(text, kwargs, message):
    with pytest.raises(ValidationError, match=message):
        parse_amount(text, **kwargs)


def test_parse_amount_accepts_a_negative_only_when_asked():
    assert parse_amount("-12.50", negative_ok=True) == Decimal("-12.50")


@pytest.mark.parametrize(
    ("amount", "currency", "units"),
    [
        (Decimal("1234.50"), "CNY", 123450),
        (Decimal("0.01"), "cny", 1),
        (Decimal("-3.20"), "USD", -320),
        (Decimal("500"), "JPY", 500),
    ],
)
def test_minor_units_round_trip(amount, currency, units):
    assert to_minor_units(amount, currency) == units
    assert from_minor_units(units, currency) == amount


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: to_minor_units(Decimal("1.50"), "JPY"), "no smaller unit"),
        (lambda: to_minor_units(1.5, "CNY"), "must not be a float"),
        (lambda: from_minor_units(1.0, "CNY"), "whole number"),
        (lambda: from_minor_units(True, "CNY"), "whole number"),
    ],
)
def test_minor_units_refuse_inexact_input(call, message):
    with pytest.raises(ValidationError, match=message):
        call()


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (Decimal("1234.5"), "CNY", "¥1,234.50"),
        (Decimal("0"), "CNY", "¥0.00"),
        (Decimal("-88.00"), "CNY", "-¥88.00"),
        (Decimal("1234567.89"), "USD", "$1,234,567.89"),
        (Decimal("10"), "XYZ", "10.00 XYZ"),
    ],
)
def test_format_money_for_display(amount, currency, shown):
    assert format_money(amount, currency) == shown
