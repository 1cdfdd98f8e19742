"""What the clubhouse tells residents: confirmations, reminders, cancellations, waitlist places, suspensions."""

from django.utils.translation import gettext_lazy as _

from notifications.events import EventType, register

register(
    EventType(
        key="clubhouse.booking_confirmed",
        label=_("Clubhouse booking confirmed"),
        title=_("Booked: %(facility)s, %(when)s"),
        body=_("Your booking %(ref)s of %(facility)s on %(when)s for %(people)s people is confirmed."),
        sms=_("Clubhouse: %(facility)s %(when)s booked (%(ref)s)."),
    )
)
register(
    EventType(
        key="clubhouse.booking_reminder",
        label=_("Clubhouse booking reminder"),
        title=_("Reminder: %(facility)s, %(when)s"),
        body=_("Your booking %(ref)s of %(facility)s starts on %(when)s. Please come on time or cancel it."),
        sms=_("Reminder: %(facility)s %(when)s (%(ref)s)."),
    )
)
register(
    EventType(
        key="clubhouse.booking_cancelled",
        label=_("Clubhouse booking cancelled"),
        title=_("Cancelled: %(facility)s, %(when)s"),
        body=_("Your booking %(ref)s of %(facility)s on %(when)s is cancelled. Refunded or credited: %(refund)s."),
    )
)
register(
    EventType(
        key="clubhouse.waitlist_promoted",
        label=_("A place from the clubhouse waitlist"),
        title=_("You got a place: %(facility)s, %(when)s"),
        body=_("A place came free: your booking %(ref)s of %(facility)s on %(when)s is made. %(pay)s"),
        sms=_("Clubhouse: a place came free, %(facility)s %(when)s (%(ref)s)."),
    )
)
register(
    EventType(
        key="clubhouse.suspended",
        label=_("Clubhouse booking suspended"),
        title=_("Clubhouse bookings suspended until %(until)s"),
        body=_("Your household may not book the clubhouse until %(until)s: %(reason)s."),
    )
)
register(
    EventType(
        key="clubhouse.enrolled",
        label=_("Training class enrolment"),
        title=_("Enrolled: %(title)s"),
        body=_("%(student)s is enrolled in %(title)s."),
    )
)
register(
    EventType(
        key="clubhouse.closure_cancelled",
        label=_("Clubhouse booking cancelled by a closure"),
        title=_("Closed: %(facility)s, %(when)s"),
        body=_(
            "%(facility)s is closed %(period)s: %(reason)s. Your booking %(ref)s on %(when)s is cancelled and "
            "refunded in full: %(refund)s. Sorry for the trouble."
        ),
        sms=_("Clubhouse: %(facility)s closed (%(reason)s); booking %(ref)s cancelled, refunded in full."),
    )
)
register(
    EventType(
        key="clubhouse.waitlist_closed",
        label=_("Clubhouse waitlist dropped by a closure"),
        title=_("Closed: %(facility)s, %(when)s"),
        body=_("%(facility)s is closed %(period)s: %(reason)s. Your place on the waitlist for %(when)s is withdrawn."),
    )
)
register(
    EventType(
        key="clubhouse.deposit_settled",
        label=_("Clubhouse deposit returned or kept"),
        title=_("Deposit of %(ref)s: %(returned)s returned"),
        body=_(
            "The deposit of %(deposit)s for your booking %(ref)s of %(facility)s on %(when)s is settled: "
            "%(returned)s returned, %(kept)s kept (%(reason)s)."
        ),
    )
)
register(
    EventType(
        key="clubhouse.class_waitlist_promoted",
        label=_("A place from a class waitlist"),
        title=_("A place in %(title)s"),
        body=_("A place came free in %(title)s: %(student)s is enrolled. %(pay)s"),
        sms=_("Clubhouse: a place came free in %(title)s for %(student)s."),
    )
)
