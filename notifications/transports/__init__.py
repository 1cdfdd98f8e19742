"""Transports carry one message on one channel, in the shape of healthchecks' transports.

``send()`` returns the provider's message id (or ``""``) and raises ``TransportError`` when the
message did not go: ``permanent=True`` means retrying cannot help (an invalid number, an
opted-out recipient); otherwise the delivery task retries later.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


class TransportError(Exception):
    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.message = message
        self.permanent = permanent


@dataclass(frozen=True)
class TextMessage:
    to: str
    body: str


SMS_TRANSPORTS = {
    "console": "notifications.transports.sms_console.ConsoleSms",
    "locmem": "notifications.transports.sms_console.LocmemSms",
    "twilio": "notifications.transports.sms_twilio.TwilioSms",
}


def sms_transport():
    """The SMS transport chosen by ``settings.SMS_BACKEND`` (read at call time)."""
    backend = getattr(settings, "SMS_BACKEND", "console")
    try:
        path = SMS_TRANSPORTS[backend]
    except KeyError:
        raise ValueError(f"Unknown SMS_BACKEND {backend!r}; expected one of {tuple(SMS_TRANSPORTS)}.") from None
    return import_string(path)()


def transport_for(channel: str):
    if channel == "sms":
        return sms_transport()
    if channel == "email":
        from .email import EmailTransport

        return EmailTransport()
    raise ValueError(f"No transport for channel {channel!r}.")
