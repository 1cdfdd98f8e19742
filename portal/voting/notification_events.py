"""Notification events of owners' meetings."""

from django.utils.translation import gettext_lazy as _

from notifications.events import EventType, register

register(
    EventType(
        key="voting.announced",
        label=_("Owners' meeting announced"),
        title=_("Owners' meeting: %(title)s"),
        body=_("%(community)s holds an owners' vote on “%(title)s”. Voting runs from %(opens)s to %(closes)s."),
        sms=_("Owners' vote “%(title)s”: %(opens)s to %(closes)s."),
    )
)
register(
    EventType(
        key="voting.reminder",
        label=_("Reminder to vote"),
        title=_("You have not voted yet: %(title)s"),
        body=_("Voting on “%(title)s” closes at %(closes)s. Your vote has not been received on every motion yet."),
        sms=_("Reminder: vote on “%(title)s” before %(closes)s."),
    )
)
register(
    EventType(
        key="voting.result",
        label=_("Owners' meeting results"),
        title=_("Results published: %(title)s"),
        body=_("The results of the owners' vote “%(title)s” are published. Check that your receipt was counted."),
    )
)
