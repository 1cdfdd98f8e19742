"""Payment gateways: where an online payment goes to be paid, and how its outcome comes back.

A gateway never writes to the ledger itself: it reports outcomes through the service functions
(``services.mark_succeeded``, ``mark_failed``, ``mark_pending``), which are idempotent, so a repeated
callback or return changes nothing. ``settings.PAYMENT_GATEWAY`` selects the gateway.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _


class GatewayUnavailable(Exception):
    """The configured gateway cannot take payments (not built yet, or missing keys)."""


class GatewayError(Exception):
    """The provider refused a request or could not be reached.

    ``retry_safe`` says the request may have gone through or may go through if sent again (a network
    error): send it again with the same idempotency key rather than treating it as refused.
    """

    def __init__(self, message: str, *, retry_safe: bool = False):
        super().__init__(message)
        self.retry_safe = retry_safe


@dataclass(frozen=True)
class GatewayRefund:
    reference: str
    settled: bool  # True: the money is back now; False: wait for the provider to confirm it


class Gateway:
    name = ""
    label = ""

    def start(self, payment, return_url: str) -> str:
        """Hand the payment to the provider; returns the URL to send the payer to."""
        raise NotImplementedError

    def handle_return(self, request, payment):
        """The payer came back to ``return_url``: bring the payment up to date and return it."""
        raise NotImplementedError

    def refund(self, refund) -> GatewayRefund:
        """Ask the provider to give back ``refund.amount`` of ``refund.payment``."""
        raise NotImplementedError


def get_gateway(name: str | None = None) -> Gateway:
    name = name or getattr(settings, "PAYMENT_GATEWAY", "dummy")
    if name == "dummy":
        from .dummy import DummyGateway

        return DummyGateway()
    if name == "stripe":
        from .stripe import StripeGateway

        return StripeGateway.from_settings()
    raise GatewayUnavailable(_("The payment gateway “%(name)s” is unknown.") % {"name": name})
