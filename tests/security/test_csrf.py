"""CSRF: every state-changing request without the token is refused; the only exempt views are provider webhooks,
which verify a signature instead (a bad one is refused and changes nothing)."""

import json
import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from tests.security import urlmap
from tests.security.test_object_access import _paths

pytestmark = pytest.mark.django_db

# The documented exceptions: called by Stripe and Twilio without a session, authenticated by signature.
SIGNED_WEBHOOKS = {"stripe_webhook", "notifications:twilio_status", "notifications:twilio_inbound"}


def _exempt(callback):
    return getattr(callback, "csrf_exempt", False)


# Wagtail's admin API is built on Django REST framework: its views are exempt from the middleware because
# DRF's SessionAuthentication enforces CSRF itself for every unsafe method (checked below).
DRF_API = r"^wagtailadmin_api:"


def test_only_signed_webhooks_are_exempt_from_csrf():
    exempt = {p.key for p in urlmap.all_patterns() if _exempt(p.callback) and not re.match(DRF_API, p.key)}
    assert exempt == SIGNED_WEBHOOKS, f"CSRF-exempt views that are not signed webhooks: {exempt - SIGNED_WEBHOOKS}"


def test_wagtails_admin_api_enforces_csrf_itself(csrf_client):
    from frontend.site_setup import ensure_site
    from tests.factories import AccountFactory, enable_totp

    home = ensure_site()
    admin = AccountFactory(is_superuser=True)
    enable_totp(admin)
    csrf_client.force_login(admin)
    response = csrf_client.post(reverse("wagtailadmin_api:pages:action", args=[home.pk, "copy"]), {})
    assert response.status_code == 403, response.status_code
    assert b"CSRF" in response.content


PATTERNS = sorted(
    (p for p in urlmap.our_patterns() if not _exempt(p.callback)),
    key=lambda p: p.key,
)
FRAMEWORK_FORMS = ["account_login", "account_signup", "account_reset_password", "account_logout", "mfa_authenticate"]


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


def _refused_for_csrf(response):
    return response.status_code == 403 and b"CSRF" in response.content


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.key)
def test_a_post_without_the_token_is_refused(csrf_client, world, pattern):
    """Every pattern of ours, whether or not its view takes POST: the middleware refuses before the view runs."""
    user = world.manager_a if pattern.route.startswith("backoffice/") else world.resident
    csrf_client.force_login(user)
    for path in _paths(pattern, urlmap.case_for(pattern), world):
        response = csrf_client.post(path, {"anything": "1"})
        assert _refused_for_csrf(response), (pattern.key, path, response.status_code)


@pytest.mark.parametrize("name", FRAMEWORK_FORMS)
def test_login_sign_up_and_two_factor_forms_need_the_token(csrf_client, name):
    response = csrf_client.post(reverse(name), {"login": "someone@example.com", "password": "x"})
    assert _refused_for_csrf(response), (name, response.status_code)


@override_settings(STRIPE_WEBHOOK_SECRET="whsec_security_suite")
def test_a_stripe_webhook_with_a_bad_signature_is_refused(csrf_client):
    from commerce.payments.models import ProviderEvent

    event = {"id": "evt_forged", "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_forged"}}}
    response = csrf_client.post(
        reverse("stripe_webhook"),
        json.dumps(event),
        content_type="application/json",
        headers={"Stripe-Signature": "t=1,v1=forged"},
    )
    assert response.status_code == 400
    assert not ProviderEvent.objects.filter(event_id="evt_forged").exists()
    unsigned = csrf_client.post(reverse("stripe_webhook"), json.dumps(event), content_type="application/json")
    assert unsigned.status_code == 400


@override_settings(TWILIO_AUTH_TOKEN="security-suite-token")
@pytest.mark.parametrize("name", ["notifications:twilio_status", "notifications:twilio_inbound"])
def test_a_twilio_callback_with_a_bad_signature_is_refused(csrf_client, name):
    from notifications.models import SmsOptOut

    data = {"MessageSid": "SMforged", "MessageStatus": "delivered", "From": "+8613800138001", "Body": "STOP"}
    for headers in ({"X-Twilio-Signature": "forged"}, {}):
        response = csrf_client.post(reverse(name), data, headers=headers)
        assert response.status_code == 403, (name, headers, response.status_code)
    assert not SmsOptOut.objects.exists()


def test_the_chat_websocket_checks_the_origin():
    """The websocket equivalent of CSRF: a page of another site cannot open a socket with the user's cookies."""
    from channels.security.websocket import OriginValidator

    from portal.asgi import application

    websocket = application.application_mapping["websocket"]
    layers = []
    while websocket is not None and len(layers) < 10:
        layers.append(websocket)
        websocket = getattr(websocket, "application", None) or getattr(websocket, "inner", None)
    assert any(isinstance(layer, OriginValidator) for layer in layers), layers
