from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClubhouseConfig(AppConfig):
    name = "portal.clubhouse"
    label = "clubhouse"
    verbose_name = _("Clubhouse")
