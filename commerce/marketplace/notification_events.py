"""What the marketplace tells people."""

from django.utils.translation import gettext_lazy as _

from notifications.events import EventType, register

register(
    EventType(
        key="market.merchant_applied",
        label=_("A merchant applied to sell"),
        title=_("New merchant application: %(merchant)s"),
        body=_("%(merchant)s applied to sell on the marketplace. Review the application in the back office."),
    )
)
register(
    EventType(
        key="market.merchant_status",
        label=_("Your merchant application or status changed"),
        title=_("%(merchant)s: %(status)s"),
        body=_("Your shop %(merchant)s is now “%(status)s”. %(note)s"),
        sms=_("Linli market: %(merchant)s is now %(status)s."),
    )
)
register(
    EventType(
        key="market.order_paid",
        label=_("A new paid order for your shop"),
        title=_("New order %(number)s"),
        body=_("Order %(number)s (%(total)s) from %(unit)s is paid. Accept it on your merchant dashboard."),
        sms=_("Linli market: new paid order %(number)s, %(total)s."),
    )
)
register(
    EventType(
        key="market.order_status",
        label=_("Your marketplace order moved on"),
        title=_("Order %(number)s: %(status)s"),
        body=_("Your order %(number)s from %(merchant)s is now “%(status)s”."),
    )
)
register(
    EventType(
        key="market.order_cancelled",
        label=_("A marketplace order was cancelled"),
        title=_("Order %(number)s cancelled"),
        body=_("Order %(number)s from %(merchant)s was cancelled: %(reason)s. Anything paid is refunded."),
        sms=_("Linli market: order %(number)s cancelled, payment refunded."),
    )
)
register(
    EventType(
        key="market.order_disputed",
        label=_("A marketplace order is disputed"),
        title=_("Order %(number)s disputed"),
        body=_("The household disputes order %(number)s from %(merchant)s: %(reason)s"),
    )
)
register(
    EventType(
        key="market.group_buy_succeeded",
        label=_("A group buy goes ahead"),
        title=_("Group buy “%(title)s” goes ahead"),
        body=_("%(households)s households joined “%(title)s”: it goes ahead."),
    )
)
register(
    EventType(
        key="market.group_buy_failed",
        label=_("A group buy was cancelled"),
        title=_("Group buy “%(title)s” cancelled"),
        body=_("“%(title)s” did not reach %(minimum)s households by its deadline; every payment is refunded."),
        sms=_("Linli market: group buy %(title)s cancelled, payment refunded."),
    )
)
