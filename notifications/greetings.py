"""Greetings from the office: birthdays (a daily campaign) and holidays (a campaign on a set day).

A greeting is a courtesy, so the resident's wishes come first: their choice for the event
``notifications.greeting`` on each channel overrides what the campaign offers, and an SMS never goes
during their quiet hours. Birthdays run hourly through the day (celery beat, 08:00–20:00): a person
is greeted at the first run outside their quiet hours, or at the last run of the day in any case
(then without the SMS), and at most once a year (a unique ``Greeting`` row per person and year).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.people.models import ResidentMembership

from . import services
from . import sms as sms_rules
from .models import Campaign, Channel, Delivery, DeliveryEvent, Greeting, Notification, Preference, QuietHours

GREETING_EVENT = "notifications.greeting"
GREETING_KINDS = (Campaign.Kind.BIRTHDAY, Campaign.Kind.HOLIDAY)
LAST_RUN_HOUR = 20  # the beat's last birthday run of the day: greet whoever is left, SMS or not


def personal(message: str, user) -> str:
    """``{name}`` in a greeting becomes the resident's name."""
    return message.replace("{name}", user.full_name or str(user))


def channel_plan(campaign: Campaign, users: list, now: datetime.datetime) -> dict[int, dict]:
    """Per user: whether email and SMS go, and whether they are in their quiet hours now."""
    ids = [u.pk for u in users]
    chosen: dict[int, dict[str, bool]] = {}
    for p in Preference.objects.filter(user__in=ids, event=GREETING_EVENT):
        chosen.setdefault(p.user_id, {})[p.channel] = p.enabled
    quiet = {q.user_id: ((q.start, q.end) if q.enabled else None) for q in QuietHours.objects.filter(user__in=ids)}
    plan = {}
    for user in users:
        choices = chosen.get(user.pk, {})
        hours = quiet[user.pk] if user.pk in quiet else services.default_quiet_hours()
        plan[user.pk] = {
            "email": bool(campaign.by_email and user.email and choices.get(Channel.EMAIL, True)),
            "sms": bool(campaign.by_sms and user.phone and choices.get(Channel.SMS, True)),
            "quiet": services.in_quiet_hours(hours, now),
        }
    return plan


def make_messages(campaign: Campaign, users: list, plan: dict, *, by, reserve_quota: bool) -> list[Delivery]:
    """In-app notifications and the deliveries the plan allows; returns the queued deliveries.

    An SMS in the recipient's quiet hours is recorded as not sent; with ``reserve_quota`` each SMS
    that would go is taken from ``by``'s monthly quota, and one over the quota is not sent either.
    """
    made = Notification.objects.bulk_create(
        [
            Notification(
                recipient=u,
                event=f"campaign.{campaign.kind}",
                title=campaign.title,
                body=personal(campaign.message, u),
                context={"campaign": campaign.pk},
            )
            for u in users
        ]
    )
    deliveries = []
    for notification in made:
        user = notification.recipient
        wants = plan[user.pk]
        common = {
            "campaign": campaign,
            "recipient": user,
            "notification": notification,
            "event": notification.event,
            "sent_by": by,
        }
        if wants["sms"]:
            sms = Delivery(channel=Channel.SMS, to=user.phone, body=sms_rules.fit(notification.body), **common)
            if wants["quiet"]:
                sms.status, sms.error = Delivery.Status.SKIPPED, "quiet hours"
            elif reserve_quota and not (by and sms_rules.reserve_employee_quota(by, 1)):
                sms.status, sms.error = Delivery.Status.SKIPPED, "sender's monthly SMS quota used up"
            deliveries.append(sms)
        if wants["email"]:
            deliveries.append(
                Delivery(channel=Channel.EMAIL, to=user.email, subject=campaign.title, body=notification.body, **common)
            )
    deliveries = Delivery.objects.bulk_create(deliveries)
    DeliveryEvent.objects.bulk_create([DeliveryEvent(delivery=d, status=d.status, note=d.error) for d in deliveries])
    user_ids = [u.pk for u in users]
    transaction.on_commit(lambda: services.push_unread_counts(user_ids))
    return [d for d in deliveries if d.status == Delivery.Status.QUEUED]


# --- birthdays --------------------------------------------------------------------------------------


def birthday_filter(today: datetime.date) -> dict:
    """Lookups for people whose birthday is ``today`` (29 February birthdays on the 28th in other years)."""
    if today.month == 2 and today.day == 28 and not _leap(today.year):
        return {"user__birth_date__month": 2, "user__birth_date__day__in": (28, 29)}
    return {"user__birth_date__month": today.month, "user__birth_date__day": today.day}


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def birthdays_today(campaign: Campaign, today: datetime.date) -> list:
    """Residents the campaign covers whose birthday is today and who have not been greeted this year."""
    from .campaigns import _household_units

    greeted = Greeting.objects.filter(year=today.year).values("user_id")
    memberships = (
        ResidentMembership.objects.active(today)
        .filter(unit__in=_household_units(campaign, today), user__is_active=True, **birthday_filter(today))
        .exclude(user_id__in=greeted)
        .select_related("user")
        .order_by("user_id")
    )
    seen, users = set(), []
    for membership in memberships:
        if membership.user_id not in seen:
            seen.add(membership.user_id)
            users.append(membership.user)
    return users


def start_birthdays(campaign: Campaign, *, by) -> Campaign:
    """A birthday campaign runs every day from today until it is cancelled."""
    from .campaigns import check_campaign, may_run_campaigns

    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if not may_run_campaigns(by, campaign.office):
            raise PermissionDenied
        if campaign.kind != Campaign.Kind.BIRTHDAY:
            raise ValidationError(_("Only birthday greetings run every day."), code="kind")
        campaign.check_transition(Campaign.Status.SCHEDULED)
        check_campaign(campaign)
        campaign.status = Campaign.Status.SCHEDULED
        campaign.send_on = timezone.localdate()
        campaign.save(update_fields=["status", "send_on"])
    return campaign


def _claim(user, year: int, campaign: Campaign) -> bool:
    try:
        with transaction.atomic():
            Greeting.objects.create(user=user, year=year, campaign=campaign)
    except IntegrityError:
        return False  # greeted already, by this run or another campaign
    return True


def send_birthday_greetings(now: datetime.datetime | None = None) -> int:
    """Beat, hourly in the day: greet today's birthdays once; returns how many people were greeted."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    today = local.date()
    last_run = local.hour >= LAST_RUN_HOUR
    greeted = 0
    running = Campaign.objects.filter(
        kind=Campaign.Kind.BIRTHDAY, status=Campaign.Status.SCHEDULED, send_on__lte=today
    ).select_related("created_by", "office", "community", "building")
    for campaign in running:
        with transaction.atomic():
            users = birthdays_today(campaign, today)
            plan = channel_plan(campaign, users, now)
            # An SMS waits for a later run while the person is in quiet hours; the last run greets anyway.
            due = [u for u in users if last_run or not (plan[u.pk]["sms"] and plan[u.pk]["quiet"])]
            due = [u for u in due if _claim(u, today.year, campaign)]
            if not due:
                continue
            queued = make_messages(campaign, due, plan, by=campaign.created_by, reserve_quota=True)
            Campaign.objects.filter(pk=campaign.pk).update(recipients=F("recipients") + len(due))
            services.enqueue([d.pk for d in queued])
            greeted += len(due)
    return greeted
