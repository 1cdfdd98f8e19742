"""Text messages for account security (phone verification codes).

This is a deliberately small stand-in until the notifications issue brings real transports
(Twilio, quotas, delivery receipts). Two transports, chosen by ``settings.SMS_BACKEND``:

- ``"console"`` (development default): the message is written to the log (logger ``linli.sms``),
  so a developer reads the verification code in the ``runserver`` output.
- ``"locmem"``: the message is appended to ``outbox`` (tests).

The console transport must never carry real codes in production: the system check
``people.E001`` refuses phone verification with it when ``DEBUG`` is off.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings

logger = logging.getLogger("linli.sms")

TRANSPORTS = ("console", "locmem")


@dataclass(frozen=True)
class TextMessage:
    to: str
    body: str


outbox: list[TextMessage] = []


def send_sms(to: str, body: str) -> TextMessage:
    message = TextMessage(to=to, body=body)
    backend = getattr(settings, "SMS_BACKEND", "console")
    if backend == "locmem":
        outbox.append(message)
    elif backend == "console":
        logger.warning("SMS (console transport, not sent) to %s: %s", to, body)
    else:
        raise ValueError(f"Unknown SMS_BACKEND {backend!r}; expected one of {TRANSPORTS}.")
    return message
