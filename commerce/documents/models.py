"""Batches of payment notices printed as one PDF by a worker, with their progress (one row per batch)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.append_only import AppendOnlyModel, append_only_manager
from portal.properties.models import Office
from portal.state_machine import TransitionsMixin


class NoticeBatch(TransitionsMixin, models.Model):
    """The payment notices of a building or a whole community, rendered in the background."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Printing")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    TRANSITIONS = {
        Status.PENDING: {Status.RUNNING, Status.FAILED},
        Status.RUNNING: {Status.DONE, Status.FAILED},
        Status.FAILED: {Status.RUNNING},  # a worker's retry
        Status.DONE: set(),
    }
    ACTIVE = (Status.PENDING, Status.RUNNING)

    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="notice_batches", verbose_name=_("office")
    )
    scope = models.CharField(_("scope"), max_length=40, help_text=_("“community:<id>” or “building:<id>”."))
    place = models.CharField(_("households of"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(_("households to check"), default=0)
    done = models.PositiveIntegerField(_("households checked"), default=0)
    pages = models.PositiveIntegerField(_("notices to print"), default=0)
    printed = models.PositiveIntegerField(_("notices printed"), default=0)
    file = models.FileField(_("PDF"), upload_to="notices/%Y/%m/", blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("requested by")
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    transition_refusal = _("A notice batch cannot go from “%(old)s” to “%(new)s”.")

    class Meta:
        verbose_name = _("payment-notice batch")
        verbose_name_plural = _("payment-notice batches")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(done__lte=models.F("total")), name="noticebatch_done_within_total"),
            models.CheckConstraint(
                condition=Q(printed__lte=models.F("pages")), name="noticebatch_printed_within_pages"
            ),
        ]

    def __str__(self):
        return f"{self.place} ({self.created_at:%Y-%m-%d %H:%M})" if self.created_at else self.place

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def percent(self) -> int:
        """Checking the households is the first fifth of the work, printing their notices the rest."""
        if self.status == self.Status.DONE:
            return 100
        checked = self.done / self.total if self.total else 0
        printed = self.printed / self.pages if self.pages else 0
        return int(20 * checked + 80 * printed)


class NoticeBatchEvent(AppendOnlyModel):
    """Each status a batch went through, with when and why (append-only)."""

    append_only_refusal = "Notice batch history cannot be edited or deleted."
    objects = append_only_manager(append_only_refusal)

    batch = models.ForeignKey(NoticeBatch, on_delete=models.PROTECT, related_name="events", verbose_name=_("batch"))
    status = models.CharField(_("status"), max_length=10, choices=NoticeBatch.Status.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("notice batch event")
        verbose_name_plural = _("notice batch events")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.batch_id}: {self.status}"
