"""Celery tasks: take ids, call a service."""

from __future__ import annotations

from celery import shared_task

from . import services

MAX_RETRIES = 5


def retry_delay(retries: int) -> int:
    return min(60 * 2**retries, 3600)


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True)
def send_delivery(self, delivery_id: int) -> None:
    """Send one delivery; temporary failures are retried with backoff, permanent ones are not."""
    try:
        services.deliver(delivery_id)
    except services.TemporaryFailure as exc:
        if self.request.retries >= self.max_retries:
            services.give_up(delivery_id, str(exc))
            return
        if self.request.is_eager:  # tests and development without a broker: try again at once
            send_delivery.apply(args=(delivery_id,), retries=self.request.retries + 1, throw=True)
            return
        raise self.retry(exc=exc, countdown=retry_delay(self.request.retries)) from exc


@shared_task
def send_due_campaigns() -> int:
    """Beat, every morning: send the scheduled campaigns whose day has come."""
    from .campaigns import send_due

    return send_due()


@shared_task
def send_birthday_greetings() -> int:
    """Beat, hourly from 08:00 to 20:00: greet today's birthdays (once a year each, outside quiet hours)."""
    from .greetings import send_birthday_greetings as run

    return run()


@shared_task
def escalate_unread_chat(notification_id: int) -> None:
    """Later: if the chat notification is still unread, send it by SMS too."""
    from .chat import escalate_unread

    escalate_unread(notification_id)
