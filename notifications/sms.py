"""SMS rules shared by every sender: segments, opt-outs and atomic counters (quota, rate, daily cap)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import SmsCounter, SmsOptOut

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")


def segments(text: str) -> int:
    """How many SMS segments ``text`` costs: GSM-7 160/153 characters, otherwise UCS-2 70/67 code units."""
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text):
        length = sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)
        single, multi = 160, 153
    else:
        length = len(text.encode("utf-16-le")) // 2
        single, multi = 70, 67
    if length <= single:
        return 1
    return -(-length // multi)


def fits(text: str, max_segments: int | None = None) -> bool:
    return segments(text) <= (max_segments or settings.SMS_MAX_SEGMENTS)


def fit(text: str, max_segments: int | None = None) -> str:
    """``text`` shortened with an ellipsis until it fits the priced segments."""
    limit = max_segments or settings.SMS_MAX_SEGMENTS
    if segments(text) <= limit:
        return text
    while text and segments(text + "…") > limit:
        text = text[:-1]
    return text + "…"


def is_opted_out(phone: str) -> bool:
    return SmsOptOut.objects.filter(phone=phone).exists()


def opt_out(phone: str) -> None:
    try:
        with transaction.atomic():
            SmsOptOut.objects.create(phone=phone)
    except IntegrityError:
        pass  # already out


def opt_in(phone: str) -> None:
    SmsOptOut.objects.filter(phone=phone).delete()


def consume(key: str, window: str, limit: int, amount: int = 1) -> bool:
    """Count ``amount`` more against ``limit`` for ``key`` in ``window``; False (nothing counted) if over.

    One conditional UPDATE: concurrent senders serialise on the row and re-check the limit, so the
    limit holds without check-then-insert races.
    """
    if amount > limit:
        return False
    try:
        with transaction.atomic():
            SmsCounter.objects.get_or_create(key=key, window=window)
    except IntegrityError:
        pass  # created by a concurrent sender
    updated = SmsCounter.objects.filter(key=key, window=window, count__lte=limit - amount).update(
        count=F("count") + amount
    )
    return updated == 1


def used(key: str, window: str) -> int:
    row = SmsCounter.objects.filter(key=key, window=window).first()
    return row.count if row else 0


def month_window(now: datetime.datetime | None = None) -> str:
    return timezone.localtime(now or timezone.now()).strftime("%Y-%m")


def reserve_employee_quota(employee, amount: int) -> bool:
    """Take ``amount`` SMS from the employee's monthly quota, all or nothing."""
    return consume(f"employee:{employee.pk}", month_window(), settings.SMS_MONTHLY_QUOTA_PER_EMPLOYEE, amount)


def quota_left(employee) -> int:
    return max(0, settings.SMS_MONTHLY_QUOTA_PER_EMPLOYEE - used(f"employee:{employee.pk}", month_window()))


def allow_number(phone: str) -> str:
    """'' when a message to ``phone`` may go now; else 'minute' (try later) or 'day' (cap reached)."""
    now = timezone.localtime()
    if not consume(f"day:{phone}", now.strftime("%Y-%m-%d"), settings.SMS_DAILY_CAP_PER_NUMBER):
        return "day"
    if not consume(f"minute:{phone}", now.strftime("%Y-%m-%dT%H:%M"), settings.SMS_PER_NUMBER_PER_MINUTE):
        SmsCounter.objects.filter(key=f"day:{phone}", window=now.strftime("%Y-%m-%d")).update(count=F("count") - 1)
        return "minute"
    return ""
