"""Stripe Checkout: the payer pays on Stripe's page; the webhook (``stripe_events``) reports the outcome.

Returning from Stripe proves nothing: a payment counts only once a verified webhook says it was paid,
and asynchronous methods stay pending until then. Every create request carries an idempotency key
derived from our own row, so a retried request can never charge or refund twice.
"""

from __future__ import annotations

from urllib.parse import urljoin

import stripe
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commerce.money import to_minor_units

from .. import services
from ..models import Payment
from . import Gateway, GatewayError, GatewayRefund, GatewayUnavailable

# Network errors and Stripe's own outages: the request may go through when sent again with the same key.
RETRY_SAFE_ERRORS = (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError)


def checkout_idempotency_key(payment) -> str:
    return f"linli-payment-{payment.pk}-checkout"


def refund_idempotency_key(refund) -> str:
    return f"linli-refund-{refund.pk}"


class StripeGateway(Gateway):
    name = "stripe"
    label = gettext_lazy("Stripe")

    def __init__(self, secret_key: str, *, api_base: str = "", http_client=None):
        self.secret_key = secret_key
        self.api_base = api_base
        self.http_client = http_client

    @classmethod
    def from_settings(cls) -> StripeGateway:
        if not settings.STRIPE_SECRET_KEY or not settings.STRIPE_WEBHOOK_SECRET:
            raise GatewayUnavailable(
                _("Online payment through Stripe is not set up yet (no Stripe keys are configured); pay at the desk.")
            )
        return cls(settings.STRIPE_SECRET_KEY, api_base=settings.STRIPE_API_BASE)

    def client(self) -> stripe.StripeClient:
        options = {"stripe_version": settings.STRIPE_API_VERSION, "max_network_retries": 2}
        if self.api_base:
            options["base_addresses"] = {"api": self.api_base}
        if self.http_client is not None:
            options["http_client"] = self.http_client
        return stripe.StripeClient(self.secret_key, **options)

    def _call(self, request):
        try:
            return request(self.client().v1)
        except RETRY_SAFE_ERRORS as exc:
            raise GatewayError(
                _("Stripe could not be reached (%(error)s); try again in a moment.") % {"error": _short(exc)},
                retry_safe=True,
            ) from exc
        except stripe.StripeError as exc:
            raise GatewayError(_("Stripe refused the request: %(error)s") % {"error": _short(exc)}) from exc

    def start(self, payment, return_url):
        return_url = urljoin(settings.SITE_URL, return_url)
        if payment.provider_reference:
            return self._resume(payment, return_url)
        payment_id = str(payment.pk)
        params = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": payment.currency.lower(),
                        "unit_amount": to_minor_units(payment.amount, payment.currency),
                        "product_data": {"name": _("Bills of %(unit)s") % {"unit": payment.unit}},
                    },
                }
            ],
            "payment_method_types": list(settings.STRIPE_PAYMENT_METHOD_TYPES),
            "client_reference_id": payment_id,
            "metadata": {"payment_id": payment_id},
            "payment_intent_data": {"metadata": {"payment_id": payment_id}},
            "success_url": f"{return_url}?session_id={{CHECKOUT_SESSION_ID}}",
            "cancel_url": f"{return_url}?cancelled=1",
        }
        if "wechat_pay" in params["payment_method_types"]:
            params["payment_method_options"] = {"wechat_pay": {"client": "web"}}
        try:
            session = self._call(
                lambda v1: v1.checkout.sessions.create(params, {"idempotency_key": checkout_idempotency_key(payment)})
            )
        except GatewayError as exc:
            raise GatewayUnavailable(str(exc)) from exc
        services.mark_pending(payment, provider_reference=session.id)
        return session.url

    def _resume(self, payment, return_url):
        """The payer asked to pay the same bills again: back to the same Checkout page while it is open."""
        try:
            session = self._call(lambda v1: v1.checkout.sessions.retrieve(payment.provider_reference))
        except GatewayError as exc:
            raise GatewayUnavailable(str(exc)) from exc
        if session.status == "open":
            return session.url
        if session.status == "complete":
            return return_url
        # Expired: the webhook will cancel it as well; cancelling here lets the payer start afresh now.
        if payment.status in Payment.OPEN:
            services.mark_cancelled(payment)
        raise GatewayUnavailable(_("The payment page at Stripe has expired; start the payment again."))

    def handle_return(self, request, payment):
        # Deliberately no network call and no status change: only the verified webhook settles a payment.
        return Payment.objects.get(pk=payment.pk)

    def refund(self, refund):
        payment = refund.payment
        session = self._call(lambda v1: v1.checkout.sessions.retrieve(payment.provider_reference))
        intent = session.payment_intent
        if not intent:
            raise GatewayError(_("Stripe holds no charge for this payment to refund."))
        params = {
            "payment_intent": intent if isinstance(intent, str) else intent.id,
            "amount": to_minor_units(refund.amount, payment.currency),
            "metadata": {"refund_id": str(refund.pk), "payment_id": str(payment.pk)},
        }
        created = self._call(lambda v1: v1.refunds.create(params, {"idempotency_key": refund_idempotency_key(refund)}))
        return GatewayRefund(reference=created.id, settled=False)


def _short(exc: stripe.StripeError) -> str:
    return (exc.user_message or str(exc) or type(exc).__name__)[:200]
