"""Demo data of this app (run from ``manage.py seed_demo``)."""

from __future__ import annotations

import datetime


def seed_demo_clubhouse(today: datetime.date) -> int:
    """Create the demo records when missing; returns how many were made."""
    return 0
