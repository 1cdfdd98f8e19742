"""System checks for account settings."""

from django.conf import settings
from django.core.checks import Error, register

from .sms import TRANSPORTS


@register()
def sms_transport(app_configs, **kwargs):
    backend = getattr(settings, "SMS_BACKEND", "console")
    if backend not in TRANSPORTS:
        return [Error(f"SMS_BACKEND must be one of {TRANSPORTS}.", id="people.E002")]
    if not settings.DEBUG and backend == "console" and settings.ACCOUNT_PHONE_VERIFICATION_ENABLED:
        return [
            Error(
                "Phone verification is on but SMS_BACKEND is 'console': codes would only reach the log.",
                hint="Set ACCOUNT_PHONE_VERIFICATION_ENABLED=false until a real SMS transport is configured.",
                id="people.E001",
            )
        ]
    return []
