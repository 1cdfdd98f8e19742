"""Hourly upkeep of owners' meetings (beat schedule in migration 0003): close meetings whose window has
ended, and once a day remind owners who have not voted on meetings closing within two days."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

SCHEDULE_NAME = "Owners' meetings: close and remind"
REMIND_WITHIN = datetime.timedelta(days=2)


@shared_task
def voting_upkeep() -> dict:
    from .models import Meeting

    now = timezone.now()
    due = Meeting.objects.filter(status=Meeting.Status.ANNOUNCED, closes_at__lte=now).values_list("pk", flat=True)
    for pk in due:
        close_meeting.delay(pk)
    reminded = 0
    if timezone.localtime(now).hour == 10:  # one reminder a day, at 10:00
        closing = Meeting.objects.filter(
            status=Meeting.Status.ANNOUNCED, opens_at__lte=now, closes_at__gt=now, closes_at__lte=now + REMIND_WITHIN
        ).values_list("pk", flat=True)
        for pk in closing:
            remind_meeting.delay(pk)
            reminded += 1
    return {"closing": len(due), "reminding": reminded}


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, acks_late=True)
def close_meeting(meeting_id: int) -> bool:
    from django.core.exceptions import ValidationError

    from . import services
    from .models import Meeting

    meeting = Meeting.objects.get(pk=meeting_id)
    try:
        services.close(meeting)
    except ValidationError:  # already closed or not due: nothing to do
        return False
    return True


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, acks_late=True)
def remind_meeting(meeting_id: int) -> int:
    from . import services
    from .models import Meeting

    return services.remind_non_voters(Meeting.objects.get(pk=meeting_id))
