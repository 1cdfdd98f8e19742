"""Notifications: ``from notifications.services import notify``."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from frontend.shortcuts import Shortcut, register
        from portal.access import register_office_path

        from . import checks, notification_events  # noqa: F401
        from .models import Campaign, Conversation

        register_office_path(Conversation, "office")
        register_office_path(Campaign, "office")
        register(Shortcut(key="chat", label=_("Message the office"), url_name="chat:list", order=80, in_nav=True))
        register(
            Shortcut(
                key="notifications",
                label=_("Notifications"),
                url_name="notifications:centre",
                order=90,
                needs_household=False,
            )
        )
