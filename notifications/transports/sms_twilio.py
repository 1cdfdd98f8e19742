"""Text messages through Twilio's REST API with the official ``twilio`` library.

Settings: ``TWILIO_ACCOUNT_SID``, ``TWILIO_AUTH_TOKEN`` and either ``TWILIO_FROM`` (a number) or
``TWILIO_MESSAGING_SERVICE_SID``. Delivery receipts come back to the signed status callback
(``notifications.views.twilio_status``).

Errors are sorted for the delivery task: Twilio's 4xx answers (invalid or unreachable number,
unsubscribed recipient) are permanent, except 429 (slow down); 5xx answers and network failures are
temporary and retried.
"""

from __future__ import annotations

from django.conf import settings
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from . import TransportError

# Tests set this to a ``twilio.http.HttpClient`` subclass that captures requests (never the network).
HTTP_CLIENT = None


def client() -> Client:
    return Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=HTTP_CLIENT)


class TwilioSms:
    def send(self, to: str, body: str, *, status_callback: str = "") -> str:
        if not (settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN):
            raise TransportError("Twilio is not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN).", permanent=True)
        fields = {"to": to, "body": body}
        if settings.TWILIO_MESSAGING_SERVICE_SID:
            fields["messaging_service_sid"] = settings.TWILIO_MESSAGING_SERVICE_SID
        else:
            fields["from_"] = settings.TWILIO_FROM
        if status_callback:
            fields["status_callback"] = status_callback
        try:
            message = client().messages.create(**fields)
        except TwilioRestException as exc:
            permanent = 400 <= exc.status < 500 and exc.status != 429
            raise TransportError(f"Twilio {exc.status} (code {exc.code}): {exc.msg}", permanent=permanent) from exc
        except (TwilioException, OSError) as exc:
            raise TransportError(f"Twilio unreachable: {exc}") from exc
        except Exception as exc:  # requests' connection errors and the like: try again later
            raise TransportError(f"Twilio unreachable: {exc}") from exc
        return message.sid
