"""Limits on guessing: wrong invitation codes and wrong vote confirmations, counted in the cache.

allauth already limits logins, sign-ups, password resets and phone-code checks (``ACCOUNT_RATE_LIMITS``), and
the notifications app caps text messages per number; this covers the secrets our own views check. A limit
counts failures only, per key (the account, or an anonymous client's address), in a fixed window; once
reached, further attempts are refused with a message saying how long to wait, before the secret is looked at.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    name: str
    failures: int
    window_seconds: int

    def _key(self, who: str) -> str:
        return f"linli:ratelimit:{self.name}:{who}"

    def blocked(self, keys) -> bool:
        return any((cache.get(self._key(who)) or 0) >= self.failures for who in keys if who)

    def failed(self, keys) -> None:
        for who in keys:
            if not who:
                continue
            key = self._key(who)
            if cache.add(key, 1, self.window_seconds):
                continue
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, self.window_seconds)

    def clear(self, keys) -> None:
        cache.delete_many([self._key(who) for who in keys if who])

    @property
    def minutes(self) -> int:
        return max(1, self.window_seconds // 60)


def request_keys(request, user=None) -> list[str]:
    """Who is guessing: the signed-in user, else the client's address.

    Signed-in guessers are counted per account, so one person cannot lock out a whole office behind a shared
    address; anonymous ones per address (behind a proxy, set AUDIT_TRUST_X_FORWARDED_FOR so that the address
    is the client's, not the proxy's).
    """
    from portal.audit.context import client_ip

    user = user if user is not None else getattr(request, "user", None)
    if getattr(user, "is_authenticated", False):
        return [f"user:{user.pk}"]
    return [f"ip:{client_ip(request) or 'unknown'}"]


# Invitation codes: 10 wrong codes an hour per person or address (a real resident mistypes once or twice).
INVITATION_CODE = Limit("invitation-code", failures=10, window_seconds=60 * 60)
# Vote confirmation (password or SMS code): 5 wrong in 15 minutes, then the ballot page waits.
VOTE_CONFIRMATION = Limit("vote-confirmation", failures=5, window_seconds=15 * 60)
