"""The audit log: an append-only record of every staff write."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.append_only import AppendOnlyError, AppendOnlyModel, append_only_manager

__all__ = ["AppendOnlyError", "AuditEntry"]


class AuditEntry(AppendOnlyModel):
    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")
        ACTION = "action", _("Action")

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("who"),
    )
    actor_label = models.CharField(_("who (as recorded)"), max_length=200)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_label = models.CharField(_("object"), max_length=300)
    office_id = models.BigIntegerField(_("office"), null=True, blank=True, db_index=True)
    # Headquarters read their company's entries, including writes that belong to no office.
    company_id = models.BigIntegerField(_("company"), null=True, blank=True, db_index=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    changes = models.JSONField(_("before / after"), default=dict, blank=True)

    append_only_refusal = "Audit entries cannot be edited or deleted."
    objects = append_only_manager(append_only_refusal)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-id"]
        default_permissions = ("view",)

    def __str__(self):
        at = f"{timezone.localtime(self.at):%Y-%m-%d %H:%M}" if self.at else "-"
        return f"{at} {self.actor_label} {self.get_action_display()} {self.object_label}"
