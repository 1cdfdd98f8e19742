"""Personal data shown only to whom it serves: phone and ID numbers are masked for everyone else.

The policy (docs/security.md): staff who call residents back see full phone numbers (front desk,
housekeeper, billing clerk for arrears, office manager); headquarters and technicians see them masked on
shared screens (a technician sees the phone of the household on their own assigned job page, where they
need to call ahead); residents never see another resident's phone; ID numbers are not collected, and
any that are shown are masked for every role.
"""

from __future__ import annotations

from portal.people.models import StaffRole

# Roles whose work is calling residents back.
PHONE_ROLES = {StaffRole.FRONT_DESK, StaffRole.HOUSEKEEPER, StaffRole.BILLING_CLERK, StaffRole.OFFICE_MANAGER}


def mask_phone(phone) -> str:
    """138****0001: the first three and last four digits, enough to recognise a number read back."""
    text = str(phone or "")
    if not text:
        return ""
    prefix = "+86" if text.startswith("+86") else ""
    digits = text[len(prefix) :]
    if len(digits) < 8:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def mask_id_number(number) -> str:
    """1101**********1234: region prefix and last four only."""
    text = str(number or "")
    if len(text) < 10:
        return "*" * len(text)
    return f"{text[:4]}{'*' * (len(text) - 8)}{text[-4:]}"


def sees_phones(user) -> bool:
    from portal import access

    if getattr(user, "is_superuser", False):
        return True
    return any(m.role in PHONE_ROLES for m in access.active_staff_memberships(user))


def phone_for(phone, user) -> str:
    return str(phone or "") if sees_phones(user) else mask_phone(phone)
