"""Development and test SMS transports: the log, or an in-memory outbox."""

from __future__ import annotations

import logging

from . import TextMessage

logger = logging.getLogger("linli.sms")

outbox: list[TextMessage] = []


class ConsoleSms:
    """Writes the message to the log (logger ``linli.sms``): nothing leaves the machine."""

    def send(self, to: str, body: str, *, status_callback: str = "") -> str:
        logger.warning("SMS (console transport, not sent) to %s: %s", to, body)
        return ""


class LocmemSms:
    """Appends the message to ``outbox`` (tests)."""

    def send(self, to: str, body: str, *, status_callback: str = "") -> str:
        outbox.append(TextMessage(to=to, body=body))
        return ""
