"""Payment notices of a building or a whole community as one PDF, printed by a worker with progress.

``start_batch`` (the back office) records the batch and hands its id to a Celery task once the
transaction commits; ``run_batch`` (the task) checks the households a chunk at a time, then prints
the notices of those with something due, saving its progress as it goes so the back office can show
a live bar. There is no cap on the number of households: a community of thousands is one PDF.
A chunk whose notices cannot be worked out is logged on the batch and the others go on.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.access import may_act_in_office
from portal.properties.models import Building, Community, Unit

from . import notice_pdf, pdf
from .models import NoticeBatch, NoticeBatchEvent
from .notices import notices_for_units

CHUNK_UNITS = 200  # households checked between two progress saves
PRINT_STEP = 25  # notices printed between two progress saves


def scope_of(scope: str):
    """(office, units queryset, place label) of a “community:<id>” or “building:<id>” scope."""
    kind, _sep, pk = (scope or "").partition(":")
    if not pk.isdigit():
        raise ValidationError(_("Choose a community or a building."), code="scope")
    if kind == "community":
        community = Community.objects.select_related("office").filter(pk=pk).first()
        if community is not None:
            return community.office, Unit.objects.filter(building__community=community), community.name
    elif kind == "building":
        building = Building.objects.select_related("community__office").filter(pk=pk).first()
        if building is not None:
            place = f"{building.community.name} {building.name}"
            return building.community.office, Unit.objects.filter(building=building), place
    raise ValidationError(_("Choose a community or a building."), code="scope")


def _event(batch: NoticeBatch, note: str = "") -> None:
    NoticeBatchEvent.objects.create(batch=batch, status=batch.status, note=note[:300])


def _transition(batch: NoticeBatch, status: str, note: str = "", **fields) -> None:
    batch.check_transition(status)
    batch.status = status
    for name, value in fields.items():
        setattr(batch, name, value)
    batch.save(update_fields=["status", *fields])
    _event(batch, note)


def start_batch(user, scope: str, roles) -> NoticeBatch:
    """Record a batch for the scope and queue its printing; staff of the scope's office with ``roles``."""
    office, units, place = scope_of(scope)
    if not may_act_in_office(user, roles, office):
        raise PermissionDenied
    with transaction.atomic():
        batch = NoticeBatch.objects.create(
            office=office, scope=scope, place=place[:200], total=units.count(), created_by=user
        )
        _event(batch)
    from .tasks import render_notice_batch

    transaction.on_commit(lambda: render_notice_batch.delay(batch.pk))
    return batch


def _save_progress(batch: NoticeBatch, *fields) -> None:
    # Outside any transaction, so the back office sees each step as soon as it is saved.
    NoticeBatch.objects.filter(pk=batch.pk).update(**{name: getattr(batch, name) for name in fields})


def run_batch(batch_id: int, pay_url: str) -> NoticeBatch:
    """Check every household of the batch's scope, then print the notices of those owing into one PDF."""
    batch = NoticeBatch.objects.select_related("office").get(pk=batch_id)
    if batch.status == NoticeBatch.Status.DONE:
        return batch
    if batch.status == NoticeBatch.Status.RUNNING:  # a worker died mid-way: start the printing over
        _event(batch, _("Restarted"))
    else:
        _transition(batch, NoticeBatch.Status.RUNNING, started_at=timezone.now())
    _office, units, place = scope_of(batch.scope)
    ids = list(
        units.order_by("building__name", "floor", "number", "pk").values_list("pk", flat=True)
    )  # the order notices_for_units sorts in within a community
    batch.total, batch.done, batch.pages, batch.printed, batch.errors = len(ids), 0, 0, 0, []
    _save_progress(batch, "total", "done", "pages", "printed", "errors")
    notices = []
    for start in range(0, len(ids), CHUNK_UNITS):
        chunk = ids[start : start + CHUNK_UNITS]
        try:
            notices += notices_for_units(Unit.objects.filter(pk__in=chunk))
        except Exception as exc:  # noqa: BLE001 - one chunk's failure is logged on the batch; the others go on
            batch.errors.append(
                {"units": f"{start + 1}–{start + len(chunk)}", "message": str(exc) or type(exc).__name__}
            )
        batch.done += len(chunk)
        _save_progress(batch, "done", "errors")
    batch.pages = len(notices)
    _save_progress(batch, "pages")
    if not notices:
        note = _("No household of %(place)s has anything due.") % {"place": place}
        _transition(batch, NoticeBatch.Status.DONE, note, finished_at=timezone.now())
        return batch

    def printed(count: int) -> None:
        if count % PRINT_STEP == 0 or count == batch.pages:
            batch.printed = count
            _save_progress(batch, "printed")

    try:
        title = _("Payment notices: %(place)s") % {"place": place}
        data = notice_pdf.render_notices_pdf(notices, pay_url, title=title, progress=printed)
    except Exception as exc:
        batch.errors.append({"units": "", "message": str(exc) or type(exc).__name__})
        _save_progress(batch, "errors")
        _transition(batch, NoticeBatch.Status.FAILED, str(exc), finished_at=timezone.now())
        raise
    name = f"payment-notices-{batch.scope.replace(':', '-')}-{timezone.localdate():%Y-%m-%d}.pdf"
    batch.file.save(pdf.safe_filename(name), ContentFile(data), save=False)
    batch.printed = batch.pages
    _transition(batch, NoticeBatch.Status.DONE, finished_at=timezone.now(), file=batch.file.name, printed=batch.pages)
    return batch
