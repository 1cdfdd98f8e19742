"""Notification events of the special services (see notifications.events)."""

from django.utils.translation import gettext_lazy as _

from notifications.events import EventType, register

register(
    EventType(
        key="services.quote_requested",
        label=_("Service order: a quote is requested"),
        title=_("Quote requested: %(service)s (%(ref)s)"),
        body=_("%(unit)s asks for a quote for %(service)s on %(slot)s."),
    )
)
register(
    EventType(
        key="services.quoted",
        label=_("Service order: the price is quoted"),
        title=_("Your quote for %(service)s is ready"),
        body=_("The office quotes %(amount)s for %(service)s on %(slot)s (order %(ref)s). Accept it to book."),
        sms=_("Linli: quote %(amount)s for %(service)s (%(ref)s) is ready."),
    )
)
register(
    EventType(
        key="services.confirmed",
        label=_("Service order: confirmed"),
        title=_("Booked: %(service)s on %(slot)s"),
        body=_("Your order %(ref)s for %(service)s on %(slot)s is confirmed (%(amount)s)."),
        sms=_("Linli: %(service)s on %(slot)s is confirmed (%(ref)s)."),
    )
)
register(
    EventType(
        key="services.to_assign",
        label=_("Service order: to assign"),
        title=_("Assign a person: %(service)s (%(ref)s)"),
        body=_("Order %(ref)s of %(unit)s for %(service)s on %(slot)s is confirmed; assign a provider person."),
    )
)
register(
    EventType(
        key="services.job_assigned",
        label=_("Service job: assigned to you"),
        title=_("New job: %(service)s on %(slot)s"),
        body=_("You are assigned %(service)s at %(unit)s on %(slot)s (order %(ref)s)."),
        sms=_("Linli job: %(service)s at %(unit)s, %(slot)s (%(ref)s)."),
    )
)
register(
    EventType(
        key="services.assigned",
        label=_("Service order: a person is assigned"),
        title=_("%(person)s will do your %(service)s"),
        body=_("%(person)s is assigned to your order %(ref)s on %(slot)s."),
    )
)
register(
    EventType(
        key="services.started",
        label=_("Service order: work started"),
        title=_("Work started: %(service)s"),
        body=_("Work on your order %(ref)s has started."),
    )
)
register(
    EventType(
        key="services.finished",
        label=_("Service order: work finished"),
        title=_("Finished: %(service)s. Please confirm and rate"),
        body=_("Work on your order %(ref)s is finished. Please confirm it and rate the service."),
    )
)
register(
    EventType(
        key="services.rated",
        label=_("Service order: rated"),
        title=_("Order %(ref)s rated %(rating)s/5"),
        body=_("The resident confirmed %(service)s (%(ref)s) and rated it %(rating)s of 5."),
    )
)
register(
    EventType(
        key="services.cancelled",
        label=_("Service order: cancelled"),
        title=_("Cancelled: %(service)s (%(ref)s)"),
        body=_("Order %(ref)s for %(service)s on %(slot)s is cancelled: %(reason)s"),
        sms=_("Linli: order %(ref)s is cancelled."),
    )
)
register(
    EventType(
        key="services.to_pay",
        label=_("Service order: the front desk booked it for you to pay online"),
        title=_("Please pay for %(service)s by %(pay_by)s"),
        body=_(
            "The front desk booked %(service)s on %(slot)s for your household (order %(ref)s, %(amount)s). "
            "Pay it online by %(pay_by)s, or the booking is cancelled."
        ),
        sms=_("Linli: pay %(amount)s for %(service)s (%(ref)s) by %(pay_by)s."),
    )
)
register(
    EventType(
        key="services.firm_to_assign",
        label=_("Service order: a job for your firm"),
        title=_("New job for %(provider)s: %(service)s (%(ref)s)"),
        body=_("Order %(ref)s of %(unit)s for %(service)s on %(slot)s is confirmed; assign one of your people."),
    )
)
