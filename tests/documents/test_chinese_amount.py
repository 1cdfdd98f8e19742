"""Amounts in Chinese capital numerals (大写金额) as the settlement rules write them."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from commerce.documents.chinese_amount import chinese_amount


@pytest.mark.parametrize(
    ("amount", "capitals"),
    [
        ("0.00", "零元整"),
        ("0.05", "伍分"),
        ("0.50", "伍角"),
        ("0.56", "伍角陆分"),
        ("1.00", "壹元整"),
        ("1.05", "壹元零伍分"),
        ("1.50", "壹元伍角"),
        ("10.00", "壹拾元整"),
        ("15.80", "壹拾伍元捌角"),
        ("20.30", "贰拾元零叁角"),
        ("100.00", "壹佰元整"),
        ("101.00", "壹佰零壹元整"),
        ("110.00", "壹佰壹拾元整"),
        ("123.45", "壹佰贰拾叁元肆角伍分"),
        ("1001.01", "壹仟零壹元零壹分"),
        ("1010.00", "壹仟零壹拾元整"),
        ("1680.32", "壹仟陆佰捌拾元零叁角贰分"),
        ("10000.00", "壹万元整"),
        ("16409.02", "壹万陆仟肆佰零玖元零贰分"),
        ("100000.10", "壹拾万元零壹角"),
        ("100100.00", "壹拾万零壹佰元整"),
        ("107000.53", "壹拾万柒仟元零伍角叁分"),
        ("325000.09", "叁拾贰万伍仟元零玖分"),
        ("1000001.00", "壹佰万零壹元整"),
        ("1004000.00", "壹佰万肆仟元整"),
        ("10000000.00", "壹仟万元整"),
        ("100000000.00", "壹亿元整"),
        ("100000001.00", "壹亿零壹元整"),
        ("100010000.00", "壹亿零壹万元整"),
        ("100001000.00", "壹亿零壹仟元整"),
        ("123456789012.34", "壹仟贰佰叁拾肆亿伍仟陆佰柒拾捌万玖仟零壹拾贰元叁角肆分"),
        ("-12.30", "负壹拾贰元叁角"),
    ],
)
def test_amounts_are_written_in_capitals(amount, capitals):
    assert chinese_amount(Decimal(amount)) == capitals


def test_integers_and_strings_are_accepted():
    assert chinese_amount(7) == chinese_amount("7.00") == "柒元整"


@pytest.mark.parametrize("bad", [0.1, "1.234", "abc"])
def test_floats_and_inexact_amounts_are_refused(bad):
    with pytest.raises(ValidationError):
        chinese_amount(bad)


def test_an_amount_beyond_a_money_column_is_refused():
    with pytest.raises(ValueError, match="too large"):
        chinese_amount(Decimal("1000000000000.00"))
