from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesCatalogConfig(AppConfig):
    name = "services_catalog"
    verbose_name = _("Special services")
