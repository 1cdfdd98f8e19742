"""What the work-order app tells people (first-contact owner, resident, housekeeper, technician, manager)."""

from django.utils.translation import gettext_lazy as _

from notifications.events import EventType, register

EVENTS = [
    EventType(
        key="workorder.received",
        label=_("Request received"),
        title=_("Request %(ref)s received"),
        body=_("%(kind)s “%(summary)s” was received and given the reference %(ref)s. Promised by %(promised)s."),
        sms=_("Linli: request %(ref)s received, promised by %(promised)s."),
    ),
    EventType(
        key="workorder.routed",
        label=_("Request routed to you"),
        title=_("New request %(ref)s for your grid"),
        body=_("%(kind)s at %(where)s: “%(summary)s”. Dispatch it within %(minutes)s minutes."),
        sms=_("Linli: new request %(ref)s at %(where)s."),
        urgent=True,
    ),
    EventType(
        key="workorder.queued",
        label=_("Request waiting in the front-desk queue"),
        title=_("Request %(ref)s has no housekeeper"),
        body=_("%(kind)s at %(where)s is in the front-desk queue: “%(summary)s”."),
    ),
    EventType(
        key="workorder.reassigned",
        label=_("Request reassigned"),
        title=_("Request %(ref)s reassigned to %(to)s"),
        body=_("%(by)s reassigned %(ref)s to %(to)s: %(reason)s"),
    ),
    EventType(
        key="workorder.dispatched",
        label=_("Technician dispatched"),
        title=_("%(ref)s: %(technician)s is assigned"),
        body=_("%(technician)s will handle %(ref)s at %(where)s and should arrive by %(arrival)s."),
        sms=_("Linli: %(technician)s is assigned to %(ref)s."),
    ),
    EventType(
        key="workorder.assigned_to_you",
        label=_("Work order assigned to you"),
        title=_("Work order %(ref)s is yours"),
        body=_("%(kind)s at %(where)s: “%(summary)s”. Arrive by %(arrival)s."),
        sms=_("Linli: work order %(ref)s at %(where)s, arrive by %(arrival)s."),
        urgent=True,
    ),
    EventType(
        key="workorder.on_the_way",
        label=_("Technician on the way"),
        title=_("%(ref)s: the technician is on the way"),
        body=_("%(technician)s is on the way to %(where)s."),
        sms=_("Linli: technician on the way for %(ref)s."),
    ),
    EventType(
        key="workorder.on_site",
        label=_("Technician on site"),
        title=_("%(ref)s: the technician has arrived"),
        body=_("%(technician)s checked in at %(where)s."),
    ),
    EventType(
        key="workorder.charge_proposed",
        label=_("Price of a repair to accept"),
        title=_("%(ref)s: please accept the price %(amount)s"),
        body=_(
            "The repair %(ref)s costs %(amount)s (labour and materials from the price list). "
            "Accept it before the work starts, or decline it."
        ),
        sms=_("Linli: repair %(ref)s costs %(amount)s; accept or decline on the site."),
    ),
    EventType(
        key="workorder.charge_decided",
        label=_("Price accepted or declined"),
        title=_("%(ref)s: price %(decision)s"),
        body=_("The resident %(decision)s the price %(amount)s of %(ref)s."),
    ),
    EventType(
        key="workorder.finished",
        label=_("Work finished"),
        title=_("%(ref)s is done: please check it"),
        body=_("%(resolution)s Please accept the work and rate it, or reopen it with a reason."),
        sms=_("Linli: %(ref)s is done; please accept or reopen it on the site."),
    ),
    EventType(
        key="workorder.charged",
        label=_("Repair charged to the household"),
        title=_("%(ref)s: %(amount)s added to your bills"),
        body=_("The repair %(ref)s was charged %(amount)s to your household account; it is in My bills."),
    ),
    EventType(
        key="workorder.postponed",
        label=_("Promised time postponed"),
        title=_("%(ref)s is postponed to %(promised)s"),
        body=_("The promised time of %(ref)s moved to %(promised)s: %(reason)s"),
        sms=_("Linli: %(ref)s postponed to %(promised)s: %(reason)s"),
    ),
    EventType(
        key="workorder.accepted",
        label=_("Work accepted by the resident"),
        title=_("%(ref)s accepted (%(rating)s of 5)"),
        body=_("The resident accepted %(ref)s and rated it %(rating)s of 5. %(comment)s"),
    ),
    EventType(
        key="workorder.reopened",
        label=_("Request reopened"),
        title=_("%(ref)s was reopened"),
        body=_("%(ref)s was reopened: %(reason)s"),
        urgent=True,
    ),
    EventType(
        key="workorder.return_visit",
        label=_("Return visit recorded"),
        title=_("Return visit of %(ref)s"),
        body=_("%(by)s followed up %(ref)s: %(result)s"),
    ),
    EventType(
        key="workorder.closed",
        label=_("Request closed"),
        title=_("%(ref)s is closed"),
        body=_("%(ref)s is closed. Thank you."),
    ),
    EventType(
        key="workorder.answered",
        label=_("Request answered"),
        title=_("%(ref)s answered"),
        body=_("%(resolution)s"),
    ),
    EventType(
        key="workorder.cancelled",
        label=_("Request withdrawn"),
        title=_("%(ref)s withdrawn"),
        body=_("%(ref)s was withdrawn: %(reason)s"),
    ),
    EventType(
        key="workorder.escalated",
        label=_("Public-area repair escalated"),
        title=_("%(ref)s open for %(days)s days"),
        body=_("The public-area repair %(ref)s at %(where)s has been open for %(days)s days and is escalated to you."),
        sms=_("Linli: public repair %(ref)s open %(days)s days, escalated."),
        urgent=True,
    ),
    EventType(
        key="workorder.breach",
        label=_("Service promise breached"),
        title=_("%(ref)s: promise breached"),
        body=_("%(ref)s at %(where)s: %(what)s. “%(summary)s”"),
        sms=_("Linli: %(ref)s promise breached: %(what)s."),
        urgent=True,
    ),
]

for event in EVENTS:
    register(event)
