from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesCatalogConfig(AppConfig):
    name = "services_catalog"
    verbose_name = _("Special services")

    def ready(self):
        from commerce.payments.hooks import register_bill_paid
        from frontend.shortcuts import Shortcut, register
        from portal.access import register_office_path

        from . import (
            notification_events,  # noqa: F401 - registers the events
            services,
        )
        from .models import Provider, ProviderSlot, Service, ServiceCategory, ServiceOrder, ServiceOrderEvent

        register_office_path(ServiceCategory, "office")
        register_office_path(Service, "office")
        register_office_path(Provider, "office")
        register_office_path(ProviderSlot, "provider__office")
        register_office_path(ServiceOrder, "office")
        register_office_path(ServiceOrderEvent, "order__office")
        register_bill_paid(services.SOURCE_APP, services.bill_paid)
        register(
            Shortcut(
                key="services", label=_("Special services"), url_name="services_catalog:menu", order=60, in_nav=True
            )
        )
