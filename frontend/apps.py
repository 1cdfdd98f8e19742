from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FrontendConfig(AppConfig):
    name = "frontend"
    verbose_name = _("Site")

    def ready(self):
        from portal.access import register_office_path

        from .models import NewsPage, NoticePage

        register_office_path(NoticePage, "community__office")
        register_office_path(NewsPage, "community__office")
