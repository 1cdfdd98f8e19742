"""Periodic clubhouse work: reminders of tomorrow's bookings and releasing unpaid online bookings."""

from celery import shared_task

from . import services


@shared_task
def send_booking_reminders() -> int:
    return services.send_reminders()


@shared_task
def release_unpaid_bookings() -> int:
    return services.release_unpaid()
