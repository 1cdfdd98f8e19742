from django import template

from ..models import Notification

register = template.Library()


@register.inclusion_tag("notifications/badge_link.html", takes_context=True)
def notification_badge(context):
    """The bell in the site header with the user's unread count (updated live over the websocket)."""
    user = context["request"].user
    unread = Notification.objects.unread().filter(recipient=user).count() if user.is_authenticated else 0
    return {"unread": unread, "user": user}
