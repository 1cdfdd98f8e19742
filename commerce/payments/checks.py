"""The dummy gateway takes no money: refuse it wherever DEBUG is off."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def dummy_gateway_only_in_debug(app_configs, **kwargs):
    if getattr(settings, "PAYMENT_GATEWAY", "dummy") == "dummy" and not settings.DEBUG:
        return [
            Error(
                "PAYMENT_GATEWAY is 'dummy' while DEBUG is off: the test gateway would mark payments paid.",
                hint="Set PAYMENT_GATEWAY=stripe (the production default) or run with DEBUG on.",
                id="payments.E001",
            )
        ]
    return []
