"""The monthly billing run (月结): preview, start, execute (resumable) and void.

Safe to re-run: a unit has at most one live bill per month (a partial unique constraint) and each
bill's ledger posting has an idempotency key, so a crashed or repeated run bills nothing twice and
a unit added since the last run is billed by the next one. Units are billed a chunk per transaction
(``batch``); a unit whose price cannot be computed is logged on the run and the others go on.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from commerce.ledger import services as ledger
from commerce.meters.billing import MeteredUsage
from portal.access import may_act_in_office
from portal.people.models import StaffRole
from portal.properties.models import Unit

from . import batch
from .batch import RunContext
from .cycles import cycle_due
from .models import Bill, BillingRun, ChargeItem

CHUNK_SIZE = 50  # progress is saved every CHUNK_SIZE units on the one-unit path
BATCH_SIZE = 1000  # units billed per transaction on the chunked path
RUN_ROLES = (StaffRole.BILLING_CLERK, StaffRole.OFFICE_MANAGER)
VOID_ROLES = (StaffRole.OFFICE_MANAGER,)
ZERO = Decimal("0.00")


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last day of the month ``month`` falls in."""
    start = month.replace(day=1)
    return start, month.replace(day=calendar.monthrange(month.year, month.month)[1])


def office_units(office):
    return (
        Unit.objects.filter(building__community__office=office)
        .select_related("building__community__office__region__company")
        .order_by("pk")
    )


def billable_items(office, month: datetime.date | None = None):
    """Active items the run of ``month`` bills: monthly ones, and longer cycles in their first month.

    One-off items are charged on their own, not by the monthly run.
    """
    items = (
        ChargeItem.objects.filter(office=office, active=True)
        .exclude(kind=ChargeItem.Kind.ONE_OFF)
        .order_by("name", "pk")
    )
    if month is None:
        return [item for item in items if item.cycle == ChargeItem.Cycle.MONTHLY]
    return [item for item in items if cycle_due(item, month)]


def run_notes(office, items, metered: MeteredUsage | None = None) -> list[str]:
    """What a monthly run of ``office`` will not bill, said up front rather than silently left out."""
    notes = metered.notes(items) if metered is not None else []
    billed = {item.pk for item in items}
    for item in ChargeItem.objects.filter(office=office, active=True).exclude(pk__in=billed).order_by("name", "pk"):
        if item.kind == ChargeItem.Kind.ONE_OFF:
            notes.append(_("“%(item)s” is a one-off charge: the monthly run does not bill it.") % {"item": item.name})
        elif item.kind == ChargeItem.Kind.METERED:
            notes.append(
                _("“%(item)s” is metered but set to be billed %(cycle)s: metered items are billed monthly.")
                % {"item": item.name, "cycle": item.get_cycle_display().lower()}
            )
        elif item.cycle == ChargeItem.Cycle.QUARTERLY:
            notes.append(
                _("“%(item)s” is billed quarterly, for three months at a time, in January, April, July and October.")
                % {"item": item.name}
            )
        elif item.cycle == ChargeItem.Cycle.YEARLY:
            notes.append(_("“%(item)s” is billed yearly, for the whole year, in January.") % {"item": item.name})
        else:
            notes.append(
                _("“%(item)s” is billed %(cycle)s, not monthly: the monthly run does not bill it.")
                % {"item": item.name, "cycle": item.get_cycle_display().lower()}
            )
    return notes


@dataclass
class ItemTotal:
    item: ChargeItem
    units: int = 0
    total: Decimal = ZERO


@dataclass
class Preview:
    office: object
    period_start: datetime.date
    period_end: datetime.date
    units_total: int = 0
    units_to_bill: int = 0
    already_billed: int = 0
    nothing_to_bill: int = 0
    total: Decimal = ZERO
    items: list[ItemTotal] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def preview_run(office, month: datetime.date) -> Preview:
    """A dry run: what a run would bill now, per charge item. Writes nothing."""
    start, end = month_bounds(month)
    items = billable_items(office, start)
    metered = MeteredUsage.load(office, start, end)
    preview = Preview(office, start, end, notes=run_notes(office, items, metered))
    per_item = {item.pk: ItemTotal(item) for item in items}
    units = batch.load_units(office)
    billed = batch.billed_unit_ids([unit.pk for unit in units], start)
    preview.units_total, preview.already_billed = len(units), len(billed)
    context = RunContext(office, items, start, end, metered=metered)
    priced, errors, preview.nothing_to_bill = batch.price_units(context, [u for u in units if u.pk not in billed])
    preview.errors = [{"unit": error["unit"], "message": error["message"]} for error in errors]
    preview.units_to_bill = len(priced)
    for _unit, lines in priced:
        for item_pk in {line.item.pk for line in lines}:
            per_item[item_pk].units += 1
        for line in lines:
            per_item[line.item.pk].total += line.amount
            preview.total += line.amount
    preview.items = list(per_item.values())
    return preview


def may_run(user, office) -> bool:
    return may_act_in_office(user, RUN_ROLES, office)


def may_void(user, office) -> bool:
    return may_act_in_office(user, VOID_ROLES, office)


def start_run(office, month: datetime.date, by) -> BillingRun:
    """Create the run and hand it to a worker once the transaction commits."""
    if not may_run(by, office):
        raise PermissionDenied
    start, end = month_bounds(month)
    try:
        with transaction.atomic():
            run = BillingRun.objects.create(
                office=office, period_start=start, period_end=end, created_by=by, total=office_units(office).count()
            )
    except IntegrityError:
        raise ValidationError(
            _("A billing run of this office for %(month)s is already under way.") % {"month": f"{start:%Y-%m}"}
        ) from None
    from .tasks import execute_billing_run

    transaction.on_commit(lambda: execute_billing_run.delay(run.pk))
    return run


def _transition(run: BillingRun, status: str, **fields) -> None:
    run.check_transition(status)
    run.status = status
    for name, value in fields.items():
        setattr(run, name, value)
    run.save(update_fields=["status", *fields])


def _save_progress(run: BillingRun) -> None:
    run.error_count = len(run.error_log)
    run.save(update_fields=["total", "done", "billed", "skipped", "error_count", "error_log", "notes"])


def execute_run(run_id: int) -> BillingRun:
    """Bill every unit of the run's office not yet billed for the month. Resumes a crashed run.

    Units are billed a chunk at a time (``batch.bill_chunk``: one transaction and a few bulk INSERTs per
    chunk); a chunk that collides with another writer is billed again unit by unit. After each chunk,
    households that paid ahead have their new bills settled from the prepayment.
    """
    run = BillingRun.objects.select_related("office__region__company", "created_by").get(pk=run_id)
    if run.status in (BillingRun.Status.DONE, BillingRun.Status.VOIDED):
        return run
    if run.status != BillingRun.Status.RUNNING:
        _transition(run, BillingRun.Status.RUNNING, started_at=timezone.now())
    items = billable_items(run.office, run.period_start)
    units = batch.load_units(run.office)
    run.total, run.done, run.billed, run.skipped = len(units), 0, 0, 0
    metered = MeteredUsage.load(run.office, run.period_start, run.period_end, persist=True)
    run.error_log, run.notes = [], run_notes(run.office, items, metered)
    _save_progress(run)
    context = RunContext(run.office, items, run.period_start, run.period_end, metered=metered)
    try:
        for offset in range(0, len(units), BATCH_SIZE):
            chunk = units[offset : offset + BATCH_SIZE]
            billed = _bill_chunk(run, chunk, context)
            _apply_prepayments(billed)
            _save_progress(run)
    except OperationalError:
        _save_progress(run)
        _transition(run, BillingRun.Status.FAILED, finished_at=timezone.now())
        raise
    _save_progress(run)
    _transition(run, BillingRun.Status.DONE, finished_at=timezone.now())
    return run


def _bill_chunk(run: BillingRun, chunk, context: RunContext) -> list[int]:
    """Bill one chunk of units, counting on the run; returns the ids of the units billed.

    A chunk that collided with another writer is billed again one unit per transaction, so only the
    unit billed meanwhile is skipped.
    """
    result = batch.bill_chunk(run, chunk, context)
    if not result.collided:
        _count(run, len(chunk), result)
        return result.billed
    billed = []
    for index, unit in enumerate(chunk, start=1):
        billed.extend(_bill_one(run, unit, context))
        if index % CHUNK_SIZE == 0:
            _save_progress(run)
    return billed


def _count(run: BillingRun, units: int, result: batch.ChunkResult) -> None:
    run.done += units
    run.billed += len(result.billed)
    run.skipped += result.skipped + result.nothing_due
    run.error_log.extend(result.errors)


def _bill_one(run: BillingRun, unit, context: RunContext) -> list[int]:
    try:
        result = batch.bill_chunk(run, [unit], context)
    except OperationalError:
        raise
    except Exception as exc:  # noqa: BLE001 - one unit's failure is logged on the run; the others go on
        message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc) or type(exc).__name__
        run.done += 1
        run.error_log.append({"unit_id": unit.pk, "unit": str(unit), "message": message})
        return []
    if result.collided:  # another writer billed this very unit meanwhile: the constraint kept one bill
        result.skipped += 1
    _count(run, 1, result)
    return result.billed


def _apply_prepayments(unit_ids: list[int]) -> None:
    from commerce.payments.prepayments import apply_prepayments, units_with_prepayment

    for unit in Unit.objects.filter(pk__in=units_with_prepayment(unit_ids)):
        apply_prepayments(unit)


def void_run(run: BillingRun, by, reason: str) -> BillingRun:
    """Reverse every bill's posting (red-letter) and void the bills and the run; managers only."""
    if not may_void(by, run.office):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason for voiding the run."))
    with transaction.atomic():
        run = BillingRun.objects.select_for_update().get(pk=run.pk)
        run.check_transition(BillingRun.Status.VOIDED)
        _refuse_if_paid(run)
        for bill in run.bills.filter(status=Bill.Status.ISSUED).select_related("posting"):
            _reverse_adjustments(bill, reason, by)
            bill.reversal = ledger.reverse(bill.posting, key=f"void:bill:{bill.pk}", reason=reason, by=by)
            bill.status = Bill.Status.VOIDED
            bill.save(update_fields=["reversal", "status"])
        _transition(run, BillingRun.Status.VOIDED, voided_by=by, voided_at=timezone.now(), void_reason=reason[:300])
    return run


def _reverse_adjustments(bill: Bill, reason: str, by) -> None:
    """Late fees, waivers and discounts of a voided bill go with it: each posting is reversed too."""
    from commerce.adjustments.models import BillAdjustment

    for adjustment in BillAdjustment.objects.filter(bill=bill).select_related("posting"):
        ledger.reverse(adjustment.posting, key=f"void:adjustment:{adjustment.pk}", reason=reason, by=by)


def _refuse_if_paid(run: BillingRun) -> None:
    """Money already settled on a bill must be refunded (or the bill corrected by a waiver) first: voiding
    it would leave the payment pointing at a bill that no longer counts."""
    from commerce.payments.services import paid_by_bill

    bills = list(run.bills.filter(status=Bill.Status.ISSUED).select_for_update())
    settled = paid_by_bill(bills)
    paid = [bill for bill in bills if settled[bill.pk] > 0]
    if paid:
        raise ValidationError(
            ngettext(
                "%(count)s bill of this run is already paid: refund that payment first, or correct the bill "
                "with a waiver or discount instead of voiding the run.",
                "%(count)s bills of this run are already paid: refund those payments first, or correct the "
                "bills with a waiver or discount instead of voiding the run.",
                len(paid),
            )
            % {"count": len(paid)},
            code="paid",
        )


def run_totals(run: BillingRun) -> Decimal:
    totals = run.bills.aggregate(cents=ledger.sum_in_cents("total"))
    return ledger.from_cents(totals["cents"])
