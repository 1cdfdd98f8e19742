"""Stripe Connect: pay a settlement out to the merchant's connected account with a transfer.

The transfer is created through the official ``stripe`` library with the client the payments
gateway configures (API version, base address, retries), and an idempotency key derived from the
settlement, so a retried click can never transfer twice. Once Stripe accepts it, the payout is
recorded like a bank payout, from the Stripe balance (``STRIPE_CLEARING``) instead of cash, with
the transfer id as its reference.
"""

from __future__ import annotations

import re

import stripe
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from commerce.ledger.models import AccountKind
from commerce.money import to_minor_units
from commerce.payments.gateways import GatewayUnavailable
from commerce.payments.gateways.stripe import StripeGateway

from . import services
from .models import Settlement

ACCOUNT_ID = re.compile(r"^acct_[A-Za-z0-9]{6,32}$")


def idempotency_key(settlement: Settlement) -> str:
    return f"linli-settlement-{settlement.pk}-transfer"


def check_account_id(value: str) -> str:
    value = (value or "").strip()
    if value and not ACCOUNT_ID.match(value):
        raise ValidationError(_("A Stripe connected account id looks like acct_1A2b3C4d5E6f."), code="stripe_account")
    return value


def transfer_settlement(settlement: Settlement, *, by) -> Settlement:
    """Transfer the settlement's net payable to the merchant's connected account, and record the payout."""
    settlement = Settlement.objects.select_related("merchant__company").get(pk=settlement.pk)
    merchant = settlement.merchant
    services._require_platform(by, merchant)
    if not merchant.stripe_account:
        raise ValidationError(_("%(merchant)s has no Stripe connected account.") % {"merchant": merchant.name})
    try:
        gateway = StripeGateway.from_settings()
    except GatewayUnavailable as exc:
        raise ValidationError(str(exc)) from exc
    with transaction.atomic():
        settlement = Settlement.objects.select_for_update().select_related("merchant__company").get(pk=settlement.pk)
        if settlement.paid_at:
            raise ValidationError(_("This settlement has already been paid out."), code="paid")
        if settlement.net_payable <= 0:
            raise ValidationError(_("Nothing is owed on this statement: record it as paid instead."), code="nothing")
        currency = (merchant.company.currency or "CNY").lower()
        params = {
            "amount": to_minor_units(settlement.net_payable, currency),
            "currency": currency,
            "destination": merchant.stripe_account,
            "transfer_group": f"settlement-{settlement.pk}",
            "description": f"{merchant.name} {settlement.period_start}–{settlement.period_end}"[:200],
            "metadata": {"settlement_id": str(settlement.pk), "merchant_id": str(merchant.pk)},
        }
        try:
            transfer = gateway.client().v1.transfers.create(params, {"idempotency_key": idempotency_key(settlement)})
        except stripe.StripeError as exc:
            message = (exc.user_message or str(exc) or type(exc).__name__)[:200]
            raise ValidationError(
                _("Stripe refused the transfer: %(error)s") % {"error": message}, code="stripe"
            ) from exc
        return services.record_payout(settlement, by=by, reference=transfer.id, paid_from=AccountKind.STRIPE_CLEARING)
