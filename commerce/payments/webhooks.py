"""The Stripe webhook endpoint: verify the signature on the raw body, then hand the event on."""

from __future__ import annotations

import json
import logging

import stripe
from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import stripe_events

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def stripe_webhook(request):
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        logger.error("A Stripe webhook arrived but STRIPE_WEBHOOK_SECRET is not set")
        return HttpResponse(status=503)
    try:
        payload = json.loads(request.body)
        if not _well_formed(payload):
            return HttpResponseBadRequest()
        stripe.Webhook.construct_event(request.body, request.headers.get("Stripe-Signature"), secret)
    except (ValueError, stripe.SignatureVerificationError):
        return HttpResponseBadRequest()
    stripe_events.receive(payload)
    return HttpResponse(status=200)


def _well_formed(payload) -> bool:
    return (
        isinstance(payload, dict)
        and isinstance(payload.get("id"), str)
        and bool(payload["id"])
        and isinstance(payload.get("type"), str)
        and isinstance(payload.get("data"), dict)
        and isinstance(payload["data"].get("object"), dict)
    )
