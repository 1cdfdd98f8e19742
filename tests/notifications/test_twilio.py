"""SMS through the official twilio library with the HTTP boundary intercepted; signed callbacks; STOP/START."""

import pytest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from twilio.request_validator import RequestValidator

from notifications import events, services, tasks
from notifications.models import Delivery, DeliveryEvent, Preference, SmsOptOut
from notifications.services import notify
from notifications.transports import sms_twilio

from .test_centre import NOON, django_capture_on_commit
from .twilio_fake import CapturingHttpClient, twilio_error

pytestmark = pytest.mark.django_db

events.register(
    events.EventType(
        key="tests.reminder",
        label=_("Reminder"),
        title="Reminder",
        body="Pay %(amount)s",
        sms="Linli: please pay %(amount)s.",
    )
)


@pytest.fixture
def twilio(settings, monkeypatch):
    settings.SMS_BACKEND = "twilio"
    fake = CapturingHttpClient()
    monkeypatch.setattr(sms_twilio, "HTTP_CLIENT", fake)
    return fake


def sms_to_resident(world):
    Preference.objects.get_or_create(user=world.resident, event="tests.reminder", channel="sms", enabled=True)
    with django_capture_on_commit():
        notify([world.resident], "tests.reminder", {"amount": "¥88.00"}, now=NOON)
    return Delivery.objects.filter(channel="sms").latest("pk")


def test_the_exact_request_sent_to_twilio_and_the_sid_kept(world, twilio):
    delivery = sms_to_resident(world)

    (request,) = twilio.requests
    assert request["method"] == "POST"
    assert request["uri"] == f"https://api.twilio.com/2010-04-01/Accounts/{'AC' + '0' * 32}/Messages.json"
    assert request["auth"] == ("AC" + "0" * 32, "test-auth-token")
    assert request["data"] == {
        "To": "+8613800000001",
        "From": "+15005550006",
        "Body": "Linli: please pay ¥88.00.",
        "StatusCallback": "https://linli.example/notifications/twilio/status/",
    }
    delivery.refresh_from_db()
    assert (delivery.status, delivery.provider_id, delivery.attempts) == ("sent", "SM" + "1".zfill(32), 1)


def test_a_messaging_service_is_used_instead_of_a_from_number_when_configured(world, twilio, settings):
    settings.TWILIO_MESSAGING_SERVICE_SID = "MG" + "1" * 32
    sms_to_resident(world)
    data = twilio.requests[0]["data"]
    assert data["MessagingServiceSid"] == "MG" + "1" * 32 and "From" not in data


def test_a_temporary_failure_is_retried_and_then_goes(world, twilio):
    twilio.answers = [(503, {"message": "Service unavailable", "code": 20503, "status": 503}), (201, None)]

    delivery = sms_to_resident(world)  # eager Celery: the retry runs straight away

    assert len(twilio.requests) == 2
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    assert "Twilio 503" in DeliveryEvent.objects.filter(delivery=delivery).first().note or any(
        "503" in e.note for e in delivery.events.all()
    )


def test_a_network_error_is_temporary_too(world, twilio):
    twilio.answers = [(0, ConnectionError("connection reset")), (201, None)]
    delivery = sms_to_resident(world)
    delivery.refresh_from_db()
    assert delivery.status == "sent" and len(twilio.requests) == 2


def test_a_permanent_failure_is_not_retried(world, twilio):
    twilio.answers = [(400, twilio_error(21211, "The 'To' number is not a valid phone number."))]

    delivery = sms_to_resident(world)

    assert len(twilio.requests) == 1
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "21211" in delivery.error


def test_temporary_failures_give_up_after_the_last_retry(world, twilio, settings):
    settings.SMS_PER_NUMBER_PER_MINUTE = 100
    twilio.answers = [(500, {"message": "boom", "code": 20500, "status": 500})] * (tasks.MAX_RETRIES + 1)
    delivery = sms_to_resident(world)
    assert len(twilio.requests) == tasks.MAX_RETRIES + 1
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.error.startswith("gave up after 6 attempts")


def signed_post(client, path, params, *, token="test-auth-token"):
    url = "https://linli.example" + path
    signature = RequestValidator(token).compute_signature(url, params)
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)


def test_a_signed_status_callback_marks_the_message_delivered(client, world, twilio):
    delivery = sms_to_resident(world)
    path = reverse("notifications:twilio_status")

    response = signed_post(client, path, {"MessageSid": delivery.provider_id, "MessageStatus": "delivered"})

    assert response.status_code == 204
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    assert list(delivery.events.values_list("status", flat=True)) == ["queued", "sent", "delivered"]


def test_a_forged_status_callback_is_refused_and_changes_nothing(client, world, twilio):
    delivery = sms_to_resident(world)
    path = reverse("notifications:twilio_status")
    params = {"MessageSid": delivery.provider_id, "MessageStatus": "failed"}

    forged = signed_post(client, path, params, token="not-the-token")
    unsigned = client.post(path, params)

    assert forged.status_code == 403 and unsigned.status_code == 403
    delivery.refresh_from_db()
    assert delivery.status == "sent"


def test_an_undelivered_receipt_marks_the_message_failed_and_a_late_sent_changes_nothing(client, world, twilio):
    delivery = sms_to_resident(world)
    path = reverse("notifications:twilio_status")
    signed_post(
        client, path, {"MessageSid": delivery.provider_id, "MessageStatus": "undelivered", "ErrorCode": "30005"}
    )
    signed_post(client, path, {"MessageSid": delivery.provider_id, "MessageStatus": "sent"})
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "30005" in delivery.error


def test_stop_opts_the_number_out_and_start_opts_it_back_in(client, world, twilio):
    path = reverse("notifications:twilio_inbound")

    response = signed_post(client, path, {"From": "+8613800000001", "Body": " stop "})
    assert response.status_code == 200 and response["Content-Type"] == "text/xml"
    assert SmsOptOut.objects.filter(phone="+8613800000001").exists()

    delivery = sms_to_resident(world)
    assert twilio.requests == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.error) == ("skipped", "")
    assert delivery.events.last().note == "opted out (STOP)"

    signed_post(client, path, {"From": "+8613800000001", "Body": "START"})
    assert not SmsOptOut.objects.exists()
    sms_to_resident(world)
    assert len(twilio.requests) == 1


def test_a_forged_stop_is_refused(client, world):
    response = client.post(
        reverse("notifications:twilio_inbound"),
        {"From": "+8613800000001", "Body": "STOP"},
        HTTP_X_TWILIO_SIGNATURE="AAAA",
    )
    assert response.status_code == 403 and not SmsOptOut.objects.exists()


def test_twilio_without_credentials_fails_permanently(world, twilio, settings):
    settings.TWILIO_AUTH_TOKEN = ""
    delivery = sms_to_resident(world)
    delivery.refresh_from_db()
    assert delivery.status == "failed" and twilio.requests == []


def test_phone_verification_codes_go_through_the_twilio_transport(world, twilio):
    from portal.people.sms import send_sms

    send_sms("+8613800000009", "Linli verification code: 123456.")
    assert twilio.requests[0]["data"]["Body"] == "Linli verification code: 123456."
    assert services.status_callback_url().endswith("/notifications/twilio/status/")
