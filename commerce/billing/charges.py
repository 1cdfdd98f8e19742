"""What one unit owes for one charge item over one billing period, with the calculation spelled out.

Every mode multiplies exact Decimals and rounds once, at the end of the line, with
``commerce.money.round_money``. Billing periods are whole calendar months (from the 1st to the
last day of a month); the standard is the one in effect on the period's first day.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from commerce.money import SYMBOLS, round_money

from . import formula
from .models import ChargeItem, ChargeStandard, UnitStandardAssignment, overlapping_ranges


class ChargeError(ValueError):
    """The charge cannot be computed (no standard, no usage for a metered item, a bad period…)."""


@dataclass(frozen=True)
class ChargeLine:
    item: ChargeItem
    standard: ChargeStandard
    amount: Decimal  # 2 places
    quantity: Decimal
    unit_price: Decimal | None
    explanation: str


def standard_for(unit, item: ChargeItem, on_date: datetime.date) -> ChargeStandard:
    """The unit's own assignment for the item on that date, else the item's standard in effect."""
    assignment = (
        overlapping_ranges(UnitStandardAssignment.objects.filter(unit=unit, item=item), on_date, on_date)
        .select_related("standard__item")
        .first()
    )
    if assignment is not None:
        return assignment.standard
    standard = overlapping_ranges(item.standards.all(), on_date, on_date).select_related("item").first()
    if standard is None:
        raise ChargeError(
            _("“%(item)s” has no standard in effect on %(date)s.") % {"item": item.name, "date": on_date.isoformat()}
        )
    return standard


def months_in(period_start: datetime.date, period_end: datetime.date) -> int:
    """Whole calendar months from ``period_start`` (a 1st) to ``period_end`` (a month's last day)."""
    last_day = calendar.monthrange(period_end.year, period_end.month)[1]
    if period_end < period_start or period_start.day != 1 or period_end.day != last_day:
        raise ChargeError(
            _("A billing period runs from the 1st of a month to the last day of a month (got %(start)s – %(end)s).")
            % {"start": period_start.isoformat(), "end": period_end.isoformat()}
        )
    return (period_end.year - period_start.year) * 12 + period_end.month - period_start.month + 1


def compute_charge(
    unit,
    item: ChargeItem,
    period_start,
    period_end,
    *,
    usage: Decimal | None = None,
    standard: ChargeStandard | None = None,
    parking_spaces: int | None = None,
) -> ChargeLine:
    """The charge line of ``item`` for ``unit`` over the period (``usage`` for metered items).

    A billing run passes the ``standard`` and ``parking_spaces`` it loaded for many units at once;
    otherwise they are looked up here.
    """
    if usage is not None and (isinstance(usage, (bool, float)) or not isinstance(usage, (Decimal, int))):
        raise TypeError("usage must be a Decimal or an int.")
    if usage is not None and usage < 0:
        raise ChargeError(_("Usage cannot be negative."))
    months = months_in(period_start, period_end)
    if standard is None:
        standard = standard_for(unit, item, period_start)
    money = _Money(unit.building.community.office.region.company.currency)
    if standard.formula.strip():
        return _formula_line(unit, item, standard, months, usage, parking_spaces, money)
    kind = item.kind
    if kind == ChargeItem.Kind.METERED:
        return _metered_line(item, standard, usage, money)
    price = _price_of(standard)
    if kind == ChargeItem.Kind.PER_AREA:
        area = unit.floor_area
        exact = area * price * months
        steps = f"{area:f} m² × {money.price(price)}{_times_months(months)}"
        return _line(item, standard, exact, area * months, price, steps, money)
    if kind == ChargeItem.Kind.FIXED_PER_UNIT:
        steps = f"{money.price(price)}{_times_months(months)}"
        return _line(item, standard, price * months, Decimal(months), price, steps, money)
    if kind == ChargeItem.Kind.FIXED_PER_PARKING:
        spaces = unit.parking_spaces.count() if parking_spaces is None else parking_spaces
        counted = ngettext("%(count)s parking space", "%(count)s parking spaces", spaces) % {"count": spaces}
        steps = f"{counted} × {money.price(price)}{_times_months(months)}"
        return _line(item, standard, price * spaces * months, Decimal(spaces * months), price, steps, money)
    # One-off: the amount once, whatever the period.
    steps = _("one-off %(amount)s") % {"amount": money.price(price)}
    return _line(item, standard, price, Decimal(1), price, steps, money)


def _qty(value) -> str:
    """A quantity without trailing zeros (15, 12.5, 0.001)."""
    return f"{Decimal(value).normalize():f}"


def _shown_value(name: str, value) -> str:
    if name == "area":
        return f"{value:.2f}"
    if name == "unit_price":
        return _Money("").price(value).strip()
    return _qty(value)


class _Money:
    def __init__(self, currency: str):
        self.currency = currency.upper()

    def price(self, value: Decimal) -> str:
        """An exact amount or price, with at least 2 places (¥2.80, ¥0.588)."""
        text = f"{value.normalize():f}"
        whole, _dot, fraction = text.partition(".")
        text = f"{whole}.{fraction.ljust(2, '0')}"
        symbol = SYMBOLS.get(self.currency)
        return f"{symbol or ''}{text}" if symbol or not self.currency else f"{text} {self.currency}"


def _times_months(months: int) -> str:
    return "" if months == 1 else " × " + ngettext("%(count)s month", "%(count)s months", months) % {"count": months}


def _price_of(standard: ChargeStandard) -> Decimal:
    if standard.unit_price is None:
        raise ChargeError(_("The standard “%(name)s” has no unit price.") % {"name": standard.name})
    return standard.unit_price


def _line(item, standard, exact, quantity, unit_price, steps, money: _Money) -> ChargeLine:
    amount = round_money(exact)
    return ChargeLine(item, standard, amount, quantity, unit_price, f"{steps} = {money.price(amount)}")


def _metered_line(item, standard, usage, money: _Money) -> ChargeLine:
    if usage is None:
        raise ChargeError(_("“%(item)s” is metered: give the usage.") % {"item": item.name})
    measure = f" {item.measure_unit}" if item.measure_unit else ""
    tiers = sorted(standard.tiers.all(), key=lambda tier: (tier.up_to is None, tier.up_to or 0))
    if not tiers:
        price = _price_of(standard)
        steps = f"{_qty(usage)}{measure} × {money.price(price)}"
        return _line(item, standard, usage * price, usage, price, steps, money)
    parts, exact, floor = [], Decimal(0), Decimal(0)
    for tier in tiers:
        ceiling = tier.up_to
        in_tier = max(Decimal(0), (usage if ceiling is None else min(usage, ceiling)) - floor)
        if in_tier > 0 or not parts:
            exact += in_tier * tier.unit_price
            parts.append(f"{_qty(in_tier)}{measure} × {money.price(tier.unit_price)}")
        if ceiling is None or usage <= ceiling:
            break
        floor = ceiling
    steps = " + ".join(parts)
    if len(parts) > 1:
        steps = f"{_qty(usage)}{measure}: {steps}"
    return _line(item, standard, exact, usage, None, steps, money)


def _formula_line(unit, item, standard, months, usage, parking_spaces, money: _Money) -> ChargeLine:
    tree = formula.validate(standard.formula)
    variables = {
        "area": unit.floor_area,
        "floor": unit.floor,
        "months": months,
        "parking_spaces": unit.parking_spaces.count() if parking_spaces is None else parking_spaces,
    }
    if standard.unit_price is not None:
        variables["unit_price"] = standard.unit_price
    if usage is not None:
        variables["usage"] = usage
    used = {name for name, _position in formula.variables_in(tree)}
    if "usage" in used and usage is None:
        raise ChargeError(_("The formula of “%(name)s” uses the usage: give it.") % {"name": standard.name})
    if "unit_price" in used and standard.unit_price is None:
        raise ChargeError(_("The formula of “%(name)s” uses the unit price, which is empty.") % {"name": standard.name})
    try:
        exact = formula.evaluate(tree, variables)
    except formula.FormulaError as exc:
        raise ChargeError(exc.message) from None
    if exact < 0:
        raise ChargeError(_("The formula of “%(name)s” gives a negative amount.") % {"name": standard.name})
    shown = ", ".join(f"{name} = {_shown_value(name, variables[name])}" for name in sorted(used))
    steps = standard.formula.strip() + (f" ({shown})" if shown else "")
    quantity = usage if usage is not None else Decimal(1)
    return _line(item, standard, exact, quantity, standard.unit_price, steps, money)
