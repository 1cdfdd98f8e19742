"""Celery tasks: take ids or dates, call a service."""

from __future__ import annotations

import datetime

from celery import shared_task


@shared_task
def send_daily_reports(day: str | None = None) -> dict:
    """Beat, every morning: email yesterday's control report (or ``day``, ISO) to managers and headquarters."""
    from .daily_report import send_reports

    return send_reports(datetime.date.fromisoformat(day) if day else None)
