from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollectionConfig(AppConfig):
    name = "commerce.collection"
    label = "collection"
    verbose_name = _("Bank collection")

    def ready(self):
        from portal.access import register_office_path

        from .models import BankMandate, CollectionBatch, CollectionLine

        register_office_path(BankMandate, "unit__building__community__office")
        register_office_path(CollectionBatch, "office")
        register_office_path(CollectionLine, "batch__office")
