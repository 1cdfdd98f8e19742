from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketplaceConfig(AppConfig):
    name = "commerce.marketplace"
    label = "marketplace"
    verbose_name = _("Marketplace")

    def ready(self):
        from frontend.shortcuts import Shortcut, register

        from . import notification_events  # noqa: F401 - registers the events

        register(Shortcut(key="market", label=_("Marketplace"), url_name="market_home", order=60, in_nav=True))
        try:
            from commerce.payments.hooks import register_bill_paid
        except ImportError:  # the hook lands with the payments work; orders then wait for it
            return
        from .services import on_bill_paid

        register_bill_paid("market", on_bill_paid)
