from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "commerce.ledger"
    label = "ledger"
    verbose_name = _("Ledger")

    def ready(self):
        from portal.access import register_office_path

        from .models import Account, Entry, Posting

        register_office_path(Account, "office")
        register_office_path(Posting, "office")
        register_office_path(Entry, "posting__office")
