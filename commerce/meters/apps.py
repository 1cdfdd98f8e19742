from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MetersConfig(AppConfig):
    name = "commerce.meters"
    label = "meters"
    verbose_name = _("Meters")

    def ready(self):
        from portal.access import register_office_path

        from .models import (
            Apportionment,
            ApportionmentShare,
            Meter,
            MeterBillLine,
            MeterReading,
            MeterReplacement,
            MeterSettings,
            ReadingCorrection,
            UsageCorrection,
        )

        register_office_path(Meter, "office")
        register_office_path(MeterReading, "meter__office")
        register_office_path(MeterSettings, "office")
        register_office_path(Apportionment, "meter__office")
        register_office_path(ApportionmentShare, "apportionment__meter__office")
        register_office_path(MeterBillLine, "meter__office")
        register_office_path(ReadingCorrection, "reading__meter__office")
        register_office_path(UsageCorrection, "meter__office")
        register_office_path(MeterReplacement, "old_meter__office")
