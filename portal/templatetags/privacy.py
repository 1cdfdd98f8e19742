"""``{{ person.phone|phone_for:request.user }}``: the number, or 138****0001 for a role that does not call back."""

from django import template

from portal import privacy

register = template.Library()


@register.filter
def phone_for(phone, user):
    return privacy.phone_for(phone, user)


@register.filter
def masked_id(number):
    return privacy.mask_id_number(number)
