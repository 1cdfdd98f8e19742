"""The record of daily control reports sent: one row per day and recipient, so a rerun sends nothing twice."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DailyReportDelivery(models.Model):
    class Status(models.TextChoices):
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    day = models.DateField(_("report day"))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("recipient")
    )
    email = models.EmailField(_("sent to"))
    language = models.CharField(_("language"), max_length=10)
    office_ids = models.JSONField(_("offices covered"), default=list)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SENDING)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("daily report sent")
        verbose_name_plural = _("daily reports sent")
        ordering = ["-day", "recipient_id"]
        constraints = [models.UniqueConstraint(fields=["day", "recipient"], name="dashboards_one_report_per_day")]

    def __str__(self):
        return f"{self.day} → {self.email}"
