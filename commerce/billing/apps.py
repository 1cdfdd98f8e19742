from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "commerce.billing"
    label = "billing"
    verbose_name = _("Billing")

    def ready(self):
        from portal.access import register_office_path

        from .models import Bill, BillingRun, BillLine, ChargeItem, ChargeStandard, StandardTier, UnitStandardAssignment

        register_office_path(ChargeItem, "office")
        register_office_path(ChargeStandard, "item__office")
        register_office_path(StandardTier, "standard__item__office")
        register_office_path(UnitStandardAssignment, "item__office")
        register_office_path(BillingRun, "office")
        register_office_path(Bill, "office")
        register_office_path(BillLine, "bill__office")
