"""Demo water meters (run from ``manage.py seed_demo``): the demo resident's building has a meter per unit
with readings at the end of the last three months, under one shared meter split by floor area; a few
units of the next building have held readings waiting for confirmation.
"""

from __future__ import annotations

import calendar
import datetime
import random
from decimal import Decimal

from django.utils import timezone

from commerce.billing.models import ChargeItem
from portal import demo
from portal.properties.models import Unit

from . import services
from .models import DEFAULT_ABNORMAL_FACTOR, DEFAULT_AVERAGE_OVER, Meter, MeterReading, MeterSettings

LOSS_SHARE = Decimal("0.04")  # the master meter sees this much more than its sub-meters


def _month_ends(today: datetime.date, count: int) -> list[datetime.date]:
    """The last days of the ``count`` months before this one, oldest first."""
    ends, year, month = [], today.year, today.month
    for _ in range(count):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        ends.append(datetime.date(year, month, calendar.monthrange(year, month)[1]))
    return ends[::-1]


def _reading(meter, date, value, previous=None):
    usage = None if previous is None else (value - previous.value) * meter.multiplier
    return MeterReading(
        meter=meter,
        date=date,
        value=value,
        previous_value=None if previous is None else previous.value,
        previous_date=None if previous is None else previous.date,
        usage=usage,
        source=MeterReading.Source.IMPORT,
    )


def seed_demo_meters(today: datetime.date | None = None) -> int:
    """Create the demo meters and readings where missing; returns how many meters were new."""
    office_code, community_code = demo.COMMUNITIES[0].office_code, demo.COMMUNITIES[0].code
    water = ChargeItem.objects.filter(office__code=office_code, code="water").select_related("office").first()
    if water is None:
        return 0
    # The settings screen shows the demo office's own rule (the defaults, written down).
    MeterSettings.objects.get_or_create(
        office=water.office, defaults={"abnormal_factor": DEFAULT_ABNORMAL_FACTOR, "average_over": DEFAULT_AVERAGE_OVER}
    )
    if Meter.objects.filter(office=water.office).exists():
        return 0
    today = today or timezone.localdate()
    rng = random.Random("meters")
    ends = _month_ends(today, 3)
    units = list(
        Unit.objects.filter(building__community__code=community_code, building__name=demo.DEMO_RESIDENT_BUILDING)
        .select_related("building")
        .order_by("floor", "number")
    )
    master = Meter.objects.create(
        office=water.office, charge_item=water, code="W-1-M", kind=Meter.Kind.SHARED, apportion_by=Meter.Key.AREA
    )
    subs = Meter.objects.bulk_create(
        Meter(office=water.office, charge_item=water, code=f"W-1-{u.number}", unit=u, parent=master) for u in units
    )
    readings, master_value = [], Decimal("52000")
    values = {m.pk: Decimal(rng.randint(200, 900)) for m in subs}
    previous = {}
    master_previous = None
    for index, end in enumerate(ends):
        month_total = Decimal(0)
        for meter in subs:
            if index:
                used = Decimal(rng.randint(60, 220)) / 10
                values[meter.pk] += used
                month_total += used
            reading = _reading(meter, end, values[meter.pk], previous.get(meter.pk))
            previous[meter.pk] = reading
            readings.append(reading)
        master_value += (month_total * (1 + LOSS_SHARE)).quantize(Decimal("0.1"))
        master_previous = _reading(master, end, master_value, master_previous)
        readings.append(master_previous)
    readings.extend(_held_readings(water, community_code, ends, rng))
    MeterReading.objects.bulk_create(readings)
    return Meter.objects.filter(office=water.office).count()


def _held_readings(water, community_code, ends, rng) -> list[MeterReading]:
    """Two units of the second building: one read lower than last month, one far above its usual usage."""
    units = Unit.objects.filter(building__community__code=community_code, building__name="2号楼")
    readings = []
    for position, unit in enumerate(units.order_by("floor", "number")[:4]):
        meter = Meter.objects.create(office=water.office, charge_item=water, code=f"W-2-{unit.number}", unit=unit)
        value, previous, history = Decimal(rng.randint(200, 900)), None, []
        for index, end in enumerate(ends):
            if index:
                value += Decimal(rng.randint(80, 150)) / 10
            shown = value
            if index == len(ends) - 1 and position < 2:
                shown = value - 40 if position == 0 else value + 95  # misread / a leak
            reading = _reading(meter, end, shown, previous)
            if previous is not None:
                days = (end - previous.date).days
                result = services.assess(
                    meter, end, shown, (previous.value, previous.date), history, DEFAULT_ABNORMAL_FACTOR
                )
                reading.status, reading.flag_reason = result.status, result.reason
                history.insert(0, (reading.usage, days))
            readings.append(reading)
            previous = reading
    return readings
