from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DepositsConfig(AppConfig):
    name = "commerce.deposits"
    label = "deposits"
    verbose_name = _("Deposits")

    def ready(self):
        from portal.access import register_office_path

        from .models import Deposit, DepositEvent

        register_office_path(Deposit, "office")
        register_office_path(DepositEvent, "deposit__office")
