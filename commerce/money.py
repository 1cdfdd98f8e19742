"""Money helpers: Decimal amounts with 2 places, one rounding function, minor units only at gateways.

No float anywhere: a float is refused wherever an amount enters, because 0.1 + 0.2 is not 0.3.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CENT = Decimal("0.01")
DEFAULT_CURRENCY = "CNY"

# Digits after the point in the currency's smallest unit (ISO 4217); anything not listed has 2.
MINOR_UNIT_EXPONENTS = {"JPY": 0, "KRW": 0, "VND": 0}
SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "HKD": "HK$", "JPY": "¥"}


def round_money(value: Decimal) -> Decimal:
    """THE rounding function: half up to 0.01 (¥0.005 becomes ¥0.01, ¥-0.005 becomes ¥-0.01)."""
    if not isinstance(value, Decimal) or isinstance(value, bool):
        raise TypeError(f"round_money takes a Decimal, not {type(value).__name__}.")
    if not value.is_finite():
        raise ValidationError(_("The amount is not a number."), code="invalid")
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def to_decimal(value, *, negative_ok: bool = True) -> Decimal:
    """An exact amount with 2 places from a Decimal, int or numeric string; never from a float.

    More than 2 significant decimal places is refused rather than rounded: an amount that cannot be
    represented exactly is a bug upstream, and silently rounding it would hide the bug.
    """
    if isinstance(value, float):
        raise ValidationError(_("The amount must not be a float; use a Decimal or a string."), code="float")
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise ValidationError(_("The amount is not a number."), code="invalid")
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ValidationError(_("The amount is not a number."), code="invalid") from None
    if not amount.is_finite():
        raise ValidationError(_("The amount is not a number."), code="invalid")
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        raise ValidationError(_("The amount has more than 2 decimal places."), code="precision")
    if amount < 0 and not negative_ok:
        raise ValidationError(_("The amount must not be negative."), code="negative")
    return amount.quantize(CENT) + Decimal("0.00")  # "+ 0.00" turns -0.00 into 0.00


def parse_amount(text: str, *, negative_ok: bool = False) -> Decimal:
    """An amount typed into a form: surrounding spaces, a leading ¥ and thousands separators are fine."""
    if text is None or not str(text).strip():
        raise ValidationError(_("Enter an amount."), code="required")
    cleaned = str(text).strip().replace(",", "").replace("，", "").replace(" ", "")
    sign = ""
    if cleaned[:1] in "+-":
        sign, cleaned = cleaned[:1], cleaned[1:]
    for symbol in ("¥", "￥"):
        cleaned = cleaned.removeprefix(symbol)
    if not cleaned or not all(c.isdigit() and c.isascii() or c == "." for c in cleaned):
        raise ValidationError(_("Enter an amount such as 1234.50."), code="invalid")
    return to_decimal(sign + cleaned, negative_ok=negative_ok)


def minor_unit_exponent(currency: str) -> int:
    return MINOR_UNIT_EXPONENTS.get(currency.upper(), 2)


def to_minor_units(amount: Decimal, currency: str) -> int:
    """Fen for CNY, cents for USD, yen for JPY: the integer a payment gateway expects."""
    amount = to_decimal(amount)
    exponent = minor_unit_exponent(currency)
    scaled = amount.scaleb(exponent)
    if scaled != scaled.to_integral_value():
        raise ValidationError(
            _("%(currency)s has no smaller unit than %(step)s.")
            % {"currency": currency.upper(), "step": Decimal(1).scaleb(-exponent)},
            code="precision",
        )
    return int(scaled)


def from_minor_units(units: int, currency: str) -> Decimal:
    if isinstance(units, bool) or not isinstance(units, int):
        raise ValidationError(_("Minor units must be a whole number."), code="invalid")
    return to_decimal(Decimal(units).scaleb(-minor_unit_exponent(currency)))


def format_money(amount: Decimal, currency: str = DEFAULT_CURRENCY) -> str:
    """¥1,234.50 for display; a currency without a symbol is shown by its code (1,234.50 XYZ)."""
    amount = to_decimal(amount)
    currency = currency.upper()
    digits = f"{abs(amount):,.2f}"
    sign = "-" if amount < 0 else ""
    if symbol := SYMBOLS.get(currency):
        return f"{sign}{symbol}{digits}"
    return f"{sign}{digits} {currency}"
