"""Records staff writes.

Hooked to model save/delete signals because an audit trail must catch every write path (service
functions, Wagtail screens, imports) without each one remembering to call it. This is the one
place signals are used: it records, it never decides anything.
"""

from __future__ import annotations

from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.db.models.signals import post_delete, post_save, pre_save

from .context import current_actor

IGNORED_FIELDS = {"password", "last_login"}


def _audited(model) -> bool:
    from .models import AuditEntry

    if model is AuditEntry:
        return False
    label = model._meta.app_label
    return label in getattr(settings, "AUDITED_APP_LABELS", ()) or model._meta.label in getattr(
        settings, "AUDITED_MODELS", ()
    )


def _staff_actor():
    from portal.access import is_staff_member

    actor = current_actor.get()
    if actor is None or not getattr(actor.user, "is_authenticated", False):
        return None
    return actor if is_staff_member(actor.user) else None


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def snapshot(instance) -> dict:
    data = {}
    for field in instance._meta.concrete_fields:
        if field.name in IGNORED_FIELDS:
            continue
        data[field.attname] = _plain(getattr(instance, field.attname))
    return data


def _remember_before(sender, instance, raw=False, **kwargs):
    if raw or not _audited(sender) or instance.pk is None or _staff_actor() is None:
        return
    previous = sender._default_manager.filter(pk=instance.pk).first()
    instance._audit_before = snapshot(previous) if previous else None


def _record_save(sender, instance, created, raw=False, **kwargs):
    if raw or not _audited(sender):
        return
    actor = _staff_actor()
    if actor is None:
        return
    after = snapshot(instance)
    before = getattr(instance, "_audit_before", None)
    if created or before is None:
        record(actor, "create", instance, {"after": after})
        return
    diff = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
    if diff:
        record(actor, "update", instance, {"changed": diff})


def _record_delete(sender, instance, **kwargs):
    if not _audited(sender):
        return
    actor = _staff_actor()
    if actor is not None:
        record(actor, "delete", instance, {"before": snapshot(instance)})


def record(actor, action: str, instance, changes: dict, summary: str = ""):
    from portal.access import office_of

    from .models import AuditEntry

    office = office_of(instance)
    user = actor.user
    return AuditEntry.objects.create(
        actor_id=user.pk,
        actor_label=str(user)[:200],
        ip_address=actor.ip_address,
        action=action,
        object_type=instance._meta.label,
        object_id=str(instance.pk or ""),
        object_label=str(instance)[:300],
        office_id=office.pk if office is not None else None,
        summary=summary[:300],
        changes=changes,
    )


def record_action(instance, summary: str, changes: dict | None = None):
    """Record a staff action that is not a plain model write (an import, a redemption)."""
    actor = _staff_actor()
    if actor is not None:
        return record(actor, "action", instance, changes or {}, summary=summary)
    return None


def connect():
    pre_save.connect(_remember_before, dispatch_uid="audit_pre_save")
    post_save.connect(_record_save, dispatch_uid="audit_post_save")
    post_delete.connect(_record_delete, dispatch_uid="audit_post_delete")
    apps.get_app_config("audit")  # fail early if the app is missing
