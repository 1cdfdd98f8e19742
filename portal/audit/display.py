"""Turning recorded entries into something a manager can read."""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

EMPTY = _("(empty)")
GONE = _("#%(id)s (no longer exists)")
YES, NO = _("yes"), _("no")


def model_for(object_type: str):
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def object_type_label(object_type: str) -> str:
    model = model_for(object_type)
    return capfirst(model._meta.verbose_name) if model else object_type


def _field(model, attname: str):
    if model is not None:
        for field in model._meta.concrete_fields:
            if field.attname == attname:
                return field
    return None


def field_label(model, attname: str) -> str:
    field = _field(model, attname)
    return capfirst(field.verbose_name) if field else attname


def value_label(field, value):
    """A recorded value as people say it: choice labels, yes/no, the related object's name."""
    if value in (None, ""):
        return EMPTY
    if field is None:
        return value
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(field, models.BooleanField):
        return YES if value else NO
    if field.is_relation and field.many_to_one:
        related = field.related_model._base_manager.filter(pk=value).first()
        return str(related) if related is not None else GONE % {"id": value}
    return value


@dataclass(frozen=True)
class ChangeRow:
    field: str
    before: object
    after: object


def change_rows(entry) -> list[ChangeRow]:
    """One row per field: its value before and after the write (blank on the side that did not exist)."""
    model = model_for(entry.object_type)
    changes = entry.changes or {}
    rows = []

    def row(attname, before, after, *, has_before=True, has_after=True):
        field = _field(model, attname)
        rows.append(
            ChangeRow(
                field_label(model, attname),
                value_label(field, before) if has_before else "",
                value_label(field, after) if has_after else "",
            )
        )

    for attname, pair in (changes.get("changed") or {}).items():
        before, after = (list(pair) + [None, None])[:2] if isinstance(pair, list | tuple) else (None, pair)
        row(attname, before, after)
    for attname, value in (changes.get("after") or {}).items():
        row(attname, None, value, has_before=False)
    for attname, value in (changes.get("before") or {}).items():
        row(attname, value, None, has_after=False)
    return rows


def changed_fields(entry) -> str:
    """For the list: the summary an action recorded, else the names of the fields a change touched."""
    if entry.summary:
        return entry.summary
    changed = (entry.changes or {}).get("changed")
    if not changed:
        return ""
    model = model_for(entry.object_type)
    return ", ".join(str(field_label(model, attname)) for attname in changed)


def extra_details(entry) -> dict:
    """Anything an action recorded besides before/after (an import's counts, say)."""
    return {k: v for k, v in (entry.changes or {}).items() if k not in {"changed", "after", "before"}}
