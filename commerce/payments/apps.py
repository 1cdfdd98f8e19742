from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "commerce.payments"
    label = "payments"
    verbose_name = _("Payments")

    def ready(self):
        from portal.access import register_office_path

        from . import checks  # noqa: F401  (registers the gateway check)
        from .models import Payment, PaymentAllocation, ReceiptCounter

        register_office_path(Payment, "office")
        register_office_path(PaymentAllocation, "payment__office")
        register_office_path(ReceiptCounter, "office")
