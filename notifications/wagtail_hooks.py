"""Back office: campaigns, and a way into the staff chat inbox (a site page)."""

from __future__ import annotations

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

from portal import access

from . import admin_views, campaigns, chat


class CampaignMenuItem(MenuItem):
    def is_shown(self, request):
        return campaigns.may_run_campaigns(request.user)


class InboxMenuItem(MenuItem):
    def is_shown(self, request):
        ids = access.office_ids_with_role(request.user, chat.OFFICE_ROLES)
        return ids is None or bool(ids)


@hooks.register("register_admin_urls")
def register_notification_urls():
    return [
        path("campaigns/", admin_views.CampaignIndexView.as_view(), name="notifications_campaigns"),
        path("campaigns/new/", admin_views.CampaignCreateView.as_view(), name="notifications_campaign_new"),
        path("campaigns/<int:pk>/", admin_views.CampaignDetailView.as_view(), name="notifications_campaign"),
    ]


def _messages_menu():
    return Menu(
        items=[
            CampaignMenuItem(_("Campaigns"), reverse("notifications_campaigns"), icon_name="mail", order=10),
            InboxMenuItem(_("Chat inbox"), reverse("chat:inbox"), icon_name="comment", order=20),
        ]
    )


class MessagesMenuItem(SubmenuMenuItem):
    def is_shown(self, request):
        return any(item.is_shown(request) for item in self.menu.registered_menu_items)


@hooks.register("register_admin_menu_item")
def register_messages_menu():
    return MessagesMenuItem(_("Messages"), _messages_menu(), icon_name="mail", name="messages", order=170)
