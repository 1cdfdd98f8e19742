import pytest
from django.utils.translation import gettext_lazy as _

from notifications import events
from notifications.models import Notification
from notifications.services import notify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EVENT = events.register(
    events.EventType(
        key="tests.greeting",
        label=_("Bill issued"),
        title=_("Bill issued"),
        body="Hello %(name)s",
    )
)


def test_notify_makes_one_in_app_notification_per_recipient_with_the_context_filled_in():
    alice, bob = UserFactory(), UserFactory()
    made = notify([alice, bob, alice], "tests.greeting", {"name": "Ming"}, url="/my/")
    assert len(made) == 2
    row = Notification.objects.get(recipient=alice)
    assert (row.body, row.url, row.read_at) == ("Hello Ming", "/my/", None)
    assert Notification.objects.unread().filter(recipient=bob).count() == 1


def test_an_unknown_event_is_an_error_not_silence():
    with pytest.raises(events.UnknownEvent):
        notify([UserFactory()], "tests.no-such-event", {})
