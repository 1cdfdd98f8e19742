"""Payment gateways: where an online payment goes to be paid, and how its outcome comes back.

A gateway never writes to the ledger itself: it reports outcomes through the service functions
(``services.mark_succeeded``, ``mark_failed``, ``mark_pending``), which are idempotent, so a repeated
callback or return changes nothing. ``settings.PAYMENT_GATEWAY`` selects the gateway.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _


class GatewayUnavailable(Exception):
    """The configured gateway cannot take payments (not built yet, or missing keys)."""


class Gateway:
    name = ""
    label = ""

    def start(self, payment, return_url: str) -> str:
        """Hand the payment to the provider; returns the URL to send the payer to."""
        raise NotImplementedError

    def handle_return(self, request, payment):
        """The payer came back to ``return_url``: bring the payment up to date and return it."""
        raise NotImplementedError


def get_gateway(name: str | None = None) -> Gateway:
    name = name or getattr(settings, "PAYMENT_GATEWAY", "dummy")
    if name == "dummy":
        from .dummy import DummyGateway

        return DummyGateway()
    if name == "stripe":
        raise GatewayUnavailable(
            _("Online payment through Stripe is not set up yet (no Stripe keys are configured); pay at the desk.")
        )
    raise GatewayUnavailable(_("The payment gateway “%(name)s” is unknown.") % {"name": name})
