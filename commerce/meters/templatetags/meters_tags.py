from django import template

from commerce.meters.services import show

register = template.Library()


@register.filter
def qty(value):
    """A reading, usage or area without trailing zeros: 423.3, 15, 0.522."""
    return "" if value is None else show(value)


@register.filter
def money(value, currency="CNY"):
    """An amount with its currency sign: ¥35.00."""
    from commerce.money import format_money

    return "" if value is None else format_money(value, currency or "CNY")
