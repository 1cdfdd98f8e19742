from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdjustmentsConfig(AppConfig):
    name = "commerce.adjustments"
    label = "adjustments"
    verbose_name = _("Late fees and waivers")

    def ready(self):
        from portal.access import register_office_path

        from .models import AdjustmentRequest, BillAdjustment, LateFeePolicy

        register_office_path(LateFeePolicy, "office")
        register_office_path(BillAdjustment, "bill__office")
        register_office_path(AdjustmentRequest, "bill__office")
