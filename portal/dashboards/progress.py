"""Progress of long-running jobs, in one shape for every kind, for the live progress bar.

Each kind names how to find the jobs a user may see (the owning app's own scoping) and how to read its
progress. ``describe`` gives a JSON-ready dict::

    {"kind", "id", "status", "status_label", "active", "done", "total", "percent",
     "error_count", "errors": [text, ...], "details": [[label, value], ...], "url"}

``active`` is true while the job still moves; the bar stops polling when it turns false.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

ERRORS_SHOWN = 20


@dataclass(frozen=True)
class JobKind:
    scope: Callable[[object], QuerySet]  # user -> the jobs of this kind the user may see
    read: Callable[[object], dict]  # job -> done, total, percent, errors, details, status, active


def _billing_run_scope(user):
    from commerce.billing.run_views import may_see_runs, scoped_runs

    return scoped_runs(user) if may_see_runs(user) else None


def _billing_run(run) -> dict:
    from commerce.billing import runs
    from commerce.billing.models import BillingRun
    from commerce.money import format_money

    active = run.status in (BillingRun.Status.PENDING, BillingRun.Status.RUNNING)
    errors = [f"{e.get('unit', '')}: {e.get('message', '')}" for e in (run.error_log or [])]
    currency = getattr(getattr(getattr(run.office, "region", None), "company", None), "currency", "") or "CNY"
    details = [(_("Billed"), run.billed), (_("Skipped"), run.skipped)]
    if not active:
        details.append((_("Total"), format_money(runs.run_totals(run), currency)))
    return {
        "status": run.status,
        "status_label": run.get_status_display(),
        "active": active,
        "done": run.done,
        "total": run.total,
        "percent": run.percent if run.total or not active else 0,
        "error_count": run.error_count,
        "errors": errors,
        "details": details,
        "unit_label": _("units done"),
    }


def _notice_batch_scope(user):
    from commerce.documents.staff_views import may_print_documents, scoped_batches

    return scoped_batches(user) if may_print_documents(user) else None


def _notice_batch(batch) -> dict:
    errors = []
    for error in batch.errors or []:
        units = error.get("units") if isinstance(error, dict) else None
        message = error.get("message", "") if isinstance(error, dict) else str(error)
        errors.append(f"{units}: {message}" if units else message)
    return {
        "status": batch.status,
        "status_label": batch.get_status_display(),
        "active": batch.is_active,
        "done": batch.done,
        "total": batch.total,
        "percent": batch.percent,
        "error_count": len(errors),
        "errors": errors,
        "details": [(_("Notices printed"), f"{batch.printed} / {batch.pages}")],
        "unit_label": _("households checked"),
    }


def _campaign_scope(user):
    from notifications.campaigns import may_run_campaigns, scoped_campaigns

    return scoped_campaigns(user) if may_run_campaigns(user) else None


def _campaign(campaign) -> dict:
    """A sent campaign's messages go out through the delivery workers: done = no longer queued."""
    from notifications.models import Campaign, Delivery

    row = campaign.deliveries.aggregate(
        total=Count("pk"),
        queued=Count("pk", filter=Q(status=Delivery.Status.QUEUED)),
        failed=Count("pk", filter=Q(status=Delivery.Status.FAILED)),
        sent=Count("pk", filter=Q(status__in=[Delivery.Status.SENT, Delivery.Status.DELIVERED])),
    )
    failures = (
        campaign.deliveries.filter(status=Delivery.Status.FAILED)
        .exclude(error="")
        .values_list("to", "error")[:ERRORS_SHOWN]
        if row["failed"]
        else []
    )
    total, done = row["total"], row["total"] - row["queued"]
    sent = campaign.status == Campaign.Status.SENT
    return {
        "status": campaign.status,
        "status_label": campaign.get_status_display(),
        "active": sent and row["queued"] > 0,
        "done": done,
        "total": total,
        "percent": (done * 100 // total) if total else (100 if sent else 0),
        "error_count": row["failed"],
        "errors": [f"{to}: {error}" for to, error in failures],
        "details": [(_("Recipients"), campaign.recipients), (_("Sent"), row["sent"])],
        "unit_label": _("messages out"),
    }


KINDS: dict[str, JobKind] = {
    "billing_run": JobKind(_billing_run_scope, _billing_run),
    "notice_batch": JobKind(_notice_batch_scope, _notice_batch),
    "campaign": JobKind(_campaign_scope, _campaign),
}


def register(kind: str, scope, read) -> None:
    """Let another app's job show the same progress bar (its own scoping and reading)."""
    KINDS[kind] = JobKind(scope, read)


def visible_jobs(user, kind: str) -> QuerySet | None:
    """The jobs of ``kind`` the user may follow; None when the kind is unknown or not theirs at all."""
    job_kind = KINDS.get(kind)
    if job_kind is None or not getattr(user, "is_authenticated", False):
        return None
    return job_kind.scope(user)


def describe(kind: str, job) -> dict:
    data = KINDS[kind].read(job)
    errors = [str(error) for error in data.pop("errors")]
    return {
        "kind": kind,
        "id": job.pk,
        **data,
        "status_label": str(data["status_label"]),
        "unit_label": str(data.get("unit_label", "")),
        "percent": max(0, min(100, int(data["percent"]))),
        "errors": errors[:ERRORS_SHOWN],
        "details": [[str(label), str(value)] for label, value in data["details"]],
        "url": reverse("dashboards_progress", args=[kind, job.pk]),
    }
