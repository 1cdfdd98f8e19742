"""System checks for the notification transports."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def twilio_configured(app_configs, **kwargs):
    if getattr(settings, "SMS_BACKEND", "console") != "twilio":
        return []
    missing = [name for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN") if not getattr(settings, name, "")]
    if not (settings.TWILIO_FROM or settings.TWILIO_MESSAGING_SERVICE_SID):
        missing.append("TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID")
    if missing:
        return [
            Error(
                "SMS_BACKEND is 'twilio' but these settings are empty: " + ", ".join(missing) + ".",
                hint="Set them in the environment; status callbacks are validated with TWILIO_AUTH_TOKEN.",
                id="notifications.E001",
            )
        ]
    return []
