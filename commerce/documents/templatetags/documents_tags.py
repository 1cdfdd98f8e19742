from django import template

from commerce.money import format_money

from ..chinese_amount import chinese_amount

register = template.Library()


@register.filter
def money(amount, currency="CNY"):
    return format_money(amount, currency)


@register.filter
def capitals(amount):
    return chinese_amount(amount)
