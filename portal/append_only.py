"""Rows that are written once and never changed: the audit log and the ledger.

Refused here for every ORM path (save of a saved row, queryset update/delete, bulk_update) and, on
PostgreSQL, by database triggers installed by each app's migrations. Mistakes are corrected by
writing new rows (a reversal), never by editing old ones.
"""

from django.db import models


class AppendOnlyError(RuntimeError):
    pass


class AppendOnlyQuerySet(models.QuerySet):
    refusal = "These rows cannot be edited or deleted."

    def update(self, **kwargs):
        raise AppendOnlyError(self.refusal)

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError(self.refusal)

    def delete(self):
        raise AppendOnlyError(self.refusal)


class AppendOnlyModel(models.Model):
    """Abstract base; ``append_only_refusal`` says why, in the terms of the subclass."""

    append_only_refusal = "These rows cannot be edited or deleted."

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError(self.append_only_refusal)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(self.append_only_refusal)


def append_only_manager(refusal: str):
    """A manager whose querysets refuse edits with ``refusal``."""
    queryset = type("AppendOnlyQuerySet", (AppendOnlyQuerySet,), {"refusal": refusal})
    return queryset.as_manager()
