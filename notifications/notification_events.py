"""This app's own events."""

from django.utils.translation import gettext_lazy as _

from .events import EventType, register

register(
    EventType(
        key="chat.message",
        label=_("New chat message"),
        title=_("New message from %(name)s"),
        body=_("%(subject)s: %(text)s"),
        sms=_("Linli: new message from %(name)s about %(subject)s. Open Linli to reply."),
    )
)
register(
    EventType(
        key="chat.assigned",
        label=_("Conversation assigned to you"),
        title=_("A conversation was passed to you"),
        body=_("%(name)s passed you the conversation “%(subject)s”."),
    )
)
register(
    EventType(
        key="notifications.announcement",
        label=_("Announcements from the office"),
        title=_("%(title)s"),
        body=_("%(message)s"),
        sms=_("%(message)s"),
        default_channels=("inapp",),
    )
)
register(
    EventType(
        key="notifications.urgent",
        label=_("Urgent notices (water or power cuts, emergencies)"),
        title=_("%(title)s"),
        body=_("%(message)s"),
        sms=_("%(message)s"),
        urgent=True,
    )
)
register(
    EventType(
        key="notifications.greeting",
        label=_("Birthday and holiday greetings"),
        title=_("%(title)s"),
        body=_("%(message)s"),
        sms=_("%(message)s"),
        default_channels=("inapp", "email", "sms"),
    )
)
