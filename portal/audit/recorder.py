"""Records staff writes.

Hooked to model save/delete signals because an audit trail must catch every write path (service
functions, Wagtail screens, imports) without each one remembering to call it. This is the one
place signals are used: it records, it never decides anything.
"""

from __future__ import annotations

import contextlib
import datetime
import json
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save

from .context import current_actor

IGNORED_FIELDS = {"password", "last_login"}
MAX_VALUE_CHARS = 500


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


def _plain(field, value):
    """A JSON-safe value that compares equal whether it came from the form or from the database."""
    if value is not None and not isinstance(field, models.JSONField):
        with contextlib.suppress(ValidationError):
            value = field.to_python(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Decimal):
        # "88.5" typed in a form and "88.50" read back are the same area.
        if isinstance(field, models.DecimalField) and value.is_finite():
            value = value.quantize(Decimal(1).scaleb(-field.decimal_places))
        return str(value)
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, dict | list):
        text = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True)
    else:
        text = str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def snapshot(instance) -> dict:
    data = {}
    for field in instance._meta.concrete_fields:
        if field.name in IGNORED_FIELDS:
            continue
        data[field.attname] = _plain(field, getattr(instance, field.attname))
    return data


def _remember_before(sender, instance, raw=False, **kwargs):
    instance.__dict__.pop("_audit_before", None)
    if raw or not _audited(sender) or instance.pk is None or _staff_actor() is None:
        return
    previous = sender._base_manager.filter(pk=instance.pk).first()
    instance._audit_before = snapshot(previous) if previous else None


def _record_save(sender, instance, created, raw=False, **kwargs):
    before = instance.__dict__.pop("_audit_before", None)
    if raw or not _audited(sender):
        return
    actor = _staff_actor()
    if actor is None:
        return
    after = snapshot(instance)
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


def _company_id(instance, office, user) -> int | None:
    """The company an entry belongs to, so that headquarters can read it."""
    from portal.people.models import StaffMembership
    from portal.properties.models import Company

    if office is not None:
        return office.region.company_id
    if isinstance(instance, Company):
        return instance.pk
    if getattr(instance, "company_id", None):
        return instance.company_id
    # A write with no office of its own (a user's profile, say) belongs to the actor's company.
    companies = set(StaffMembership.objects.active().filter(user=user).values_list("company_id", flat=True))
    return companies.pop() if len(companies) == 1 else None


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
        company_id=_company_id(instance, office, user),
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
