"""Who is acting in the current request (or task), for the audit log."""

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    user: object
    ip_address: str | None


current_actor: ContextVar[Actor | None] = ContextVar("linli_audit_actor", default=None)


def client_ip(request) -> str | None:
    # REMOTE_ADDR is set by the ASGI server; behind a proxy it is the proxy's address, and the
    # proxy's X-Forwarded-For is trusted only when the deployment says so.
    from django.conf import settings

    if getattr(settings, "AUDIT_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR")


@contextmanager
def acting_as(user, ip_address: str | None = None):
    """Attribute writes inside the block to ``user`` (a Celery task or command acting for someone)."""
    token = current_actor.set(Actor(user=user, ip_address=ip_address))
    try:
        yield
    finally:
        current_actor.reset(token)
