"""Replacing a meter (换表): the old meter's final reading, the new meter's start reading, one date.

The old meter is closed with its final reading and made inactive; a new meter takes its place with
the same office, charge item, unit, shared meter, apportionment key and (unless given) multiplier,
and a start reading on the same date. A replaced shared meter hands its sub-meters to the new one.
The month's usage across the swap is (old final − old last billed) + (new reading − new start),
billed as one line (``services.combine_replacements``) so tiered prices see the whole usage.
Nothing is deleted: the old meter, its readings and bills stay, and ``MeterReplacement`` records it.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import services
from .models import Meter, MeterReading, MeterReplacement


def replace_meter(
    meter: Meter,
    date: datetime.date,
    final_value,
    new_code: str,
    start_value,
    by,
    *,
    multiplier: Decimal | None = None,
    reason: str = "",
) -> MeterReplacement:
    """Close ``meter`` and put a new meter ``new_code`` in its place. Raises ``ValidationError`` on bad input."""
    if not services.may_read(by, meter.office_id):
        raise PermissionDenied
    if not isinstance(date, datetime.date) or isinstance(date, datetime.datetime):
        raise ValidationError(_("Give the date the meter was replaced."), code="date")
    new_code = (new_code or "").strip()
    if not new_code:
        raise ValidationError(_("Give the new meter's code."), code="code")
    final_value = services.parse_value(final_value)
    start_value = services.parse_value(start_value)
    _factor, average_over = services.office_rules(meter.office_id)
    with transaction.atomic():
        old = Meter.objects.select_for_update().get(pk=meter.pk)
        if MeterReplacement.objects.filter(old_meter=old).exists():
            raise ValidationError(
                _("Meter %(meter)s was already replaced.") % {"meter": old.code}, code="already_replaced"
            )
        state = services.meter_state(old, average_over)
        errors = services.check_new(old, date, state, timezone.localdate())
        if state.last is not None and final_value < state.last.value and not errors:
            errors.append(
                _("The final reading cannot be lower than the meter's last reading (%(value)s on %(date)s).")
                % {"value": services.show(state.last.value), "date": state.last.date.isoformat()}
            )
        if Meter.objects.filter(office_id=old.office_id, code__iexact=new_code).exists():
            errors.append(_("The office already has a meter %(code)s.") % {"code": new_code})
        if errors:
            raise ValidationError(errors)
        previous = state.last
        final = MeterReading.objects.create(
            meter=old,
            date=date,
            value=final_value,
            previous_value=previous.value if previous else None,
            previous_date=previous.date if previous else None,
            usage=services.quantity((final_value - previous.value) * old.multiplier) if previous else None,
            status=MeterReading.Status.ACCEPTED,
            entered_by=by,
            decision_note=(_("Final reading: replaced by %(meter)s") % {"meter": new_code})[:300],
        )
        new = Meter(
            office_id=old.office_id,
            code=new_code,
            kind=old.kind,
            charge_item_id=old.charge_item_id,
            unit_id=old.unit_id,
            parent_id=old.parent_id,
            apportion_by=old.apportion_by,
            multiplier=old.multiplier if multiplier in (None, "") else Decimal(multiplier),
            active=True,
        )
        new.full_clean()
        new.save()
        start = MeterReading.objects.create(
            meter=new,
            date=date,
            value=start_value,
            status=MeterReading.Status.ACCEPTED,
            entered_by=by,
            decision_note=(_("Start reading: replaces %(meter)s") % {"meter": old.code})[:300],
        )
        moved = list(old.sub_meters.order_by("pk").values_list("code", flat=True))
        old.sub_meters.update(parent=new)
        old.active = False
        old.save(update_fields=["active"])
        return MeterReplacement.objects.create(
            old_meter=old,
            new_meter=new,
            date=date,
            final_reading=final,
            start_reading=start,
            moved_sub_meters=moved,
            reason=(reason or "").strip()[:300],
            replaced_by=by,
        )
