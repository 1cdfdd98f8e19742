"""``notify()``: the one entry point every app uses to tell people something; and delivery behind it.

``notify`` always makes an in-app notification (the notification centre is the record), then per
recipient decides the other channels: the event's defaults, overridden by the user's preferences;
no SMS during the user's quiet hours; urgent events ignore both. Each email or SMS becomes a
``Delivery`` sent by a Celery task after the transaction commits.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from . import events, live
from . import sms as sms_rules
from .models import Channel, Delivery, DeliveryEvent, Notification, Preference, QuietHours
from .transports import TransportError, transport_for

logger = logging.getLogger(__name__)

OPTIONAL_CHANNELS = (Channel.EMAIL, Channel.SMS)


class TemporaryFailure(Exception):
    """A delivery did not go but may later: the task retries it."""


def _json_safe(context: dict) -> dict:
    return {key: value if isinstance(value, (int, bool, type(None))) else str(value) for key, value in context.items()}


def render(event: events.EventType, text: str, context: dict, language: str) -> str:
    """One of the event's texts in ``language`` with the context filled in."""
    if not text:
        return ""
    with translation.override(language):
        return str(text) % context if context else str(text)


# --- preferences and quiet hours -------------------------------------------------------------------


def default_quiet_hours() -> tuple[datetime.time, datetime.time]:
    start, end = settings.NOTIFICATIONS_QUIET_HOURS.split("-")
    return datetime.time.fromisoformat(start), datetime.time.fromisoformat(end)


def quiet_hours_of(user) -> tuple[datetime.time, datetime.time] | None:
    """The user's quiet hours (start, end), or None when they turned them off."""
    row = QuietHours.objects.filter(user=user).first()
    if row is None:
        return default_quiet_hours()
    return (row.start, row.end) if row.enabled else None


def in_quiet_hours(hours: tuple[datetime.time, datetime.time] | None, now: datetime.datetime) -> bool:
    if hours is None:
        return False
    start, end = hours
    t = timezone.localtime(now).time()
    if start == end:
        return False
    return start <= t < end if start < end else (t >= start or t < end)


def channel_wanted(event_type: events.EventType, channel: str, choices: dict[str, bool]) -> bool:
    if channel == Channel.SMS and not event_type.sms:
        return False
    if event_type.urgent:
        return True
    return choices.get(channel, channel in event_type.default_channels)


def preference_table(user) -> list[dict]:
    """Every event with the user's effective choice per optional channel (for the preferences page)."""
    chosen = {(p.event, p.channel): p.enabled for p in Preference.objects.filter(user=user)}
    rows = []
    for event_type in events.all_events():
        if event_type.key.startswith("tests."):
            continue
        choices = {c: chosen[(event_type.key, c)] for c in OPTIONAL_CHANNELS if (event_type.key, c) in chosen}
        rows.append(
            {
                "event": event_type,
                "email": channel_wanted(event_type, Channel.EMAIL, choices),
                "sms": channel_wanted(event_type, Channel.SMS, choices),
                "sms_possible": bool(event_type.sms),
            }
        )
    return rows


@transaction.atomic
def save_preferences(user, choices: dict[tuple[str, str], bool], quiet: tuple | None) -> None:
    """Store the user's channel choices ``{(event, channel): enabled}`` and quiet hours (None: off)."""
    for (event_key, channel), enabled in choices.items():
        events.get(event_key)
        if channel not in OPTIONAL_CHANNELS:
            continue
        Preference.objects.update_or_create(user=user, event=event_key, channel=channel, defaults={"enabled": enabled})
    start, end = quiet or default_quiet_hours()
    QuietHours.objects.update_or_create(user=user, defaults={"enabled": quiet is not None, "start": start, "end": end})


# --- notify ----------------------------------------------------------------------------------------


def notify(
    recipients: Iterable,
    event: str,
    context: dict | None = None,
    *,
    url: str = "",
    sent_by=None,
    now: datetime.datetime | None = None,
) -> list[Notification]:
    """Tell each recipient (users) that ``event`` happened; returns the in-app notifications made.

    ``context`` fills the event's ``%(name)s`` placeholders; ``url`` is where the notification
    leads. Unknown events raise ``UnknownEvent``, so a typo fails in tests, not in silence.
    Email and SMS follow the recipients' preferences and quiet hours (urgent events ignore them).
    """
    event_type = events.get(event)
    context = dict(context or {})
    now = now or timezone.now()
    users = []
    seen: set[int] = set()
    for user in recipients:
        if user is None or user.pk in seen:
            continue
        seen.add(user.pk)
        users.append(user)
    if not users:
        return []
    chosen: dict[int, dict[str, bool]] = {}
    for p in Preference.objects.filter(user__in=seen, event=event_type.key):
        chosen.setdefault(p.user_id, {})[p.channel] = p.enabled
    quiet = {q.user_id: ((q.start, q.end) if q.enabled else None) for q in QuietHours.objects.filter(user__in=seen)}
    site = settings.SITE_URL.rstrip("/")

    rows, planned = [], []
    for user in users:
        language = getattr(user, "preferred_language", "") or settings.LANGUAGE_CODE
        title = render(event_type, event_type.title, context, language)[:200]
        body = render(event_type, event_type.body, context, language)
        rows.append(
            Notification(
                recipient=user,
                event=event_type.key,
                title=title,
                body=body,
                url=url,
                urgent=event_type.urgent,
                context=_json_safe(context),
            )
        )
        choices = chosen.get(user.pk, {})
        if channel_wanted(event_type, Channel.EMAIL, choices) and user.email:
            text = body + (f"\n\n{site}{url}" if url else "")
            planned.append(Delivery(channel=Channel.EMAIL, to=user.email, subject=title, body=text))
        else:
            planned.append(None)
        if channel_wanted(event_type, Channel.SMS, choices) and user.phone:
            text = sms_rules.fit(render(event_type, event_type.sms, context, language))
            delivery = Delivery(channel=Channel.SMS, to=user.phone, body=text)
            hours = quiet[user.pk] if user.pk in quiet else default_quiet_hours()
            if not event_type.urgent and in_quiet_hours(hours, now):
                delivery.status = Delivery.Status.SKIPPED
                delivery.error = "quiet hours"
            planned.append(delivery)
        else:
            planned.append(None)
    made = Notification.objects.bulk_create(rows)

    deliveries = []
    for index, notification in enumerate(made):
        for delivery in planned[2 * index : 2 * index + 2]:
            if delivery is not None:
                delivery.notification = notification
                delivery.recipient = notification.recipient
                delivery.event = event_type.key
                delivery.sent_by = sent_by
                deliveries.append(delivery)
    if deliveries:
        deliveries = Delivery.objects.bulk_create(deliveries)
        DeliveryEvent.objects.bulk_create(
            [DeliveryEvent(delivery=d, status=d.status, note=d.error) for d in deliveries]
        )
        enqueue([d.pk for d in deliveries if d.status == Delivery.Status.QUEUED])

    user_ids = [n.recipient_id for n in made]
    transaction.on_commit(lambda: push_unread_counts(user_ids))
    return made


def enqueue(delivery_ids: list[int]) -> None:
    """Send the deliveries through Celery once the surrounding transaction has committed."""
    if not delivery_ids:
        return
    from .tasks import send_delivery

    def send():
        for pk in delivery_ids:
            send_delivery.delay(pk)

    transaction.on_commit(send)


def push_unread_counts(user_ids: Iterable[int]) -> None:
    for user_id in set(user_ids):
        live.push(live.user_group(user_id), {"type": "notification.unread", "unread": unread_count_for(user_id)})


# --- the notification centre -----------------------------------------------------------------------


def unread_count_for(user_id: int) -> int:
    return Notification.objects.unread().filter(recipient_id=user_id).count()


def mark_read(user, notification_id: int) -> Notification:
    """Mark one of the user's own notifications read (someone else's is a DoesNotExist)."""
    notification = Notification.objects.get(pk=notification_id, recipient=user)
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
        notification.refresh_from_db()
        transaction.on_commit(lambda: push_unread_counts([user.pk]))
    return notification


def mark_all_read(user) -> int:
    count = Notification.objects.unread().filter(recipient=user).update(read_at=timezone.now())
    transaction.on_commit(lambda: push_unread_counts([user.pk]))
    return count


# --- delivery --------------------------------------------------------------------------------------


def _move(delivery: Delivery, status: str, note: str = "") -> None:
    delivery.check_transition(status)
    delivery.status = status
    if status == Delivery.Status.FAILED:
        delivery.error = note[:300]
    delivery.save(update_fields=["status", "error", "provider_id", "attempts", "updated_at"])
    DeliveryEvent.objects.create(delivery=delivery, status=status, note=note[:300])


def status_callback_url() -> str:
    return settings.SITE_URL.rstrip("/") + reverse("notifications:twilio_status")


def deliver(delivery_id: int) -> Delivery:
    """Send one queued delivery through its transport; raises ``TemporaryFailure`` to be retried.

    The attempt and its error are committed before ``TemporaryFailure`` is raised, so the history
    shows every try.
    """
    retry_reason = ""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
        if delivery.status != Delivery.Status.QUEUED:
            return delivery  # already sent, failed or skipped: a repeated task does nothing
        if delivery.channel == Channel.SMS:
            if sms_rules.is_opted_out(delivery.to):
                _move(delivery, Delivery.Status.SKIPPED, "opted out (STOP)")
                return delivery
            if not sms_rules.fits(delivery.body):
                _move(delivery, Delivery.Status.FAILED, "longer than the priced segments")
                return delivery
            refused = sms_rules.allow_number(delivery.to)
            if refused == "day":
                _move(delivery, Delivery.Status.FAILED, "daily cap for this number reached")
                return delivery
            if refused == "minute":
                retry_reason = "rate limited"
        if not retry_reason:
            delivery.attempts += 1
            try:
                transport = transport_for(delivery.channel)
                if delivery.channel == Channel.SMS:
                    provider_id = transport.send(delivery.to, delivery.body, status_callback=status_callback_url())
                else:
                    provider_id = transport.send(delivery.to, delivery.body, subject=delivery.subject)
            except TransportError as exc:
                if exc.permanent:
                    _move(delivery, Delivery.Status.FAILED, exc.message)
                    return delivery
                retry_reason = exc.message[:300]
            else:
                delivery.provider_id = provider_id or None
                delivery.error = ""
                _move(delivery, Delivery.Status.SENT)
                return delivery
        delivery.error = retry_reason
        delivery.save(update_fields=["attempts", "error", "updated_at"])
        DeliveryEvent.objects.create(delivery=delivery, status=delivery.status, note=retry_reason)
    raise TemporaryFailure(retry_reason)


def give_up(delivery_id: int, reason: str) -> Delivery:
    """The last retry failed: the delivery is failed for good."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
        if delivery.status == Delivery.Status.QUEUED:
            _move(delivery, Delivery.Status.FAILED, f"gave up after {delivery.attempts} attempts: {reason}")
    return delivery


TWILIO_STATUSES = {
    "sent": Delivery.Status.SENT,
    "delivered": Delivery.Status.DELIVERED,
    "undelivered": Delivery.Status.FAILED,
    "failed": Delivery.Status.FAILED,
}


def record_provider_status(provider_id: str, provider_status: str, error_code: str = "") -> Delivery | None:
    """A delivery receipt from the provider; unknown ids and stale or repeated receipts change nothing."""
    status = TWILIO_STATUSES.get(provider_status)
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().filter(provider_id=provider_id).first()
        if delivery is None or status is None or not delivery.can_become(status):
            return delivery
        note = f"{provider_status} {error_code}".strip()
        _move(delivery, status, note)
    return delivery


STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "退订", "TD"}
START_WORDS = {"START", "YES", "UNSTOP", "订阅"}


def handle_inbound_sms(phone: str, body: str) -> str:
    """An SMS from a resident: STOP/START change the opt-out; other replies answer a recent survey.

    Returns what happened: "stop", "start", "answer" or "ignored".
    """
    word = body.strip().upper()
    if word in STOP_WORDS:
        sms_rules.opt_out(phone)
        return "stop"
    if word in START_WORDS:
        sms_rules.opt_in(phone)
        return "start"
    from .campaigns import record_survey_answer

    return "answer" if record_survey_answer(phone, body) else "ignored"


def send_urgent_sms(to: str, body: str, *, event: str, recipient=None) -> Delivery:
    """An SMS that must go now, whatever the hour (a verification code): recorded and guarded like any other.

    It gets a delivery record and passes the same rules as every SMS (opt-out, priced segments, the
    per-number rate limit and daily cap against SMS pumping), but is sent in the caller's request,
    not queued, and ignores quiet hours. A temporary failure is handed to the retrying task.
    """
    from portal.celery import app

    from .tasks import retry_delay, send_delivery

    delivery = Delivery.objects.create(
        channel=Channel.SMS, event=event, recipient=recipient, to=to, body=sms_rules.fit(body)
    )
    DeliveryEvent.objects.create(delivery=delivery, status=delivery.status, note="urgent")
    try:
        return deliver(delivery.pk)
    except TemporaryFailure as exc:
        if app.conf.task_always_eager:
            return give_up(delivery.pk, str(exc))  # no worker to try later
        transaction.on_commit(lambda: send_delivery.apply_async((delivery.pk,), countdown=retry_delay(0)))
        delivery.refresh_from_db()
        return delivery
