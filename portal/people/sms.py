"""Text messages for account security (phone verification codes, vote confirmation codes).

They go through the notifications app's SMS path (``notifications.services.send_urgent_sms``):
each gets a delivery record, and the per-number rate limit and daily cap guard against SMS
pumping. Codes are sent at once in the request and ignore quiet hours. The transport is chosen by
``settings.SMS_BACKEND``: ``"console"`` writes to the log (logger ``linli.sms``), ``"locmem"``
appends to ``outbox`` (tests), ``"twilio"`` sends through Twilio.

The console transport must never carry real codes in production: the system check
``people.E001`` refuses phone verification with it when ``DEBUG`` is off.
"""

from __future__ import annotations

import logging

from notifications.transports import SMS_TRANSPORTS, TextMessage
from notifications.transports.sms_console import outbox

logger = logging.getLogger("linli.sms")

TRANSPORTS = tuple(SMS_TRANSPORTS)
EVENT = "people.security_code"

__all__ = ["EVENT", "TRANSPORTS", "TextMessage", "outbox", "send_sms"]


def send_sms(to: str, body: str, *, recipient=None) -> TextMessage:
    from notifications.services import send_urgent_sms

    delivery = send_urgent_sms(to, body, event=EVENT, recipient=recipient)
    if delivery.status in ("failed", "skipped"):
        logger.error("SMS to %s not sent: %s", to, delivery.error)
    return TextMessage(to=to, body=delivery.body)
