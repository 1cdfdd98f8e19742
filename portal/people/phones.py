"""Phone numbers are stored in one normal form (E.164, ``+86…`` for mainland mobiles)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def normalize_phone(raw: str) -> str:
    """Return ``raw`` in E.164 form, or raise ``ValidationError`` with a clear message."""
    cleaned = re.sub(r"[\s\-()]", "", raw or "")
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    if _MAINLAND_MOBILE.match(cleaned):
        cleaned = "+86" + cleaned
    if not _E164.match(cleaned):
        raise ValidationError(
            _("“%(phone)s” is not a valid phone number: use 11 digits or +country code."),
            code="invalid_phone",
            params={"phone": raw},
        )
    return cleaned


def mask_phone(phone: str) -> str:
    """Hide the middle digits of a number shown to people who need only to recognise it."""
    if not phone or len(phone) < 8:
        return phone or ""
    return phone[:-8] + "****" + phone[-4:]
