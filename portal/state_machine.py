"""Explicit state machines: a model lists its allowed moves in ``TRANSITIONS = {status: {next, ...}}``.

``TransitionsMixin`` gives every such model the same two checks; the model names, in
``transition_refusal``, how a refused move is explained to a person (with ``%(old)s`` and ``%(new)s``).
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class TransitionsMixin:
    TRANSITIONS: dict = {}
    transition_refusal = _("This cannot go from “%(old)s” to “%(new)s”.")

    def can_become(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, set())

    def check_transition(self, status: str) -> None:
        if not self.can_become(status):
            raise ValidationError(
                self.transition_refusal % {"old": self.get_status_display(), "new": self.Status(status).label},
                code="transition",
            )
