from decimal import Decimal

from django import template

from commerce.money import format_money

from ..tables import MONEY, PERCENT

register = template.Library()


@register.filter
def report_cell(value, column):
    """A table cell as shown on screen: money as ¥1,234.50, rates as 98.50%, nothing as a dash."""
    if value is None or value == "":
        return "—" if column.kind in (MONEY, PERCENT) else ""
    if column.kind == MONEY and isinstance(value, Decimal):
        return format_money(value)
    if column.kind == PERCENT and isinstance(value, Decimal):
        return f"{value}%"
    return value


@register.filter
def is_numeric(column):
    return column.kind != "text"
