"""Text messages for account security (phone verification codes).

They go straight through the notifications app's SMS transport chosen by ``settings.SMS_BACKEND``
(``notifications.transports``): ``"console"`` writes to the log (logger ``linli.sms``), ``"locmem"``
appends to ``outbox`` (tests), ``"twilio"`` sends through Twilio. Codes are sent at once, not
queued, and are not kept as delivery records; allauth's own rate limits guard the endpoints.

The console transport must never carry real codes in production: the system check
``people.E001`` refuses phone verification with it when ``DEBUG`` is off.
"""

from __future__ import annotations

import logging

from notifications.transports import SMS_TRANSPORTS, TextMessage, TransportError, sms_transport
from notifications.transports.sms_console import outbox

logger = logging.getLogger("linli.sms")

TRANSPORTS = tuple(SMS_TRANSPORTS)

__all__ = ["TRANSPORTS", "TextMessage", "outbox", "send_sms"]


def send_sms(to: str, body: str) -> TextMessage:
    message = TextMessage(to=to, body=body)
    try:
        sms_transport().send(to, body)
    except TransportError as exc:
        logger.error("SMS to %s not sent: %s", to, exc.message)
    return message
