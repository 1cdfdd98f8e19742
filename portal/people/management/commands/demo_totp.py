"""``manage.py demo_totp [email]``: the current one-time code of a demo staff account.

Answers only for accounts whose TOTP secret is the published demo secret, so it can never reveal
a code that protects a real account.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from portal import demo


def current_code(secret: str, at: float | None = None) -> str:
    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    counter = int(time.time() if at is None else at) // app_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


def seconds_left(at: float | None = None) -> int:
    from allauth.mfa import app_settings

    now = int(time.time() if at is None else at)
    return app_settings.TOTP_PERIOD - now % app_settings.TOTP_PERIOD


class Command(BaseCommand):
    help = "Print the current 6-digit sign-in code of a demo staff account (default: the office manager)."

    def add_arguments(self, parser):
        parser.add_argument("email", nargs="?", default=demo.DEMO_LOGIN_BY_KEY["office_manager"].email)

    def handle(self, *args, email: str, **options):
        from allauth.mfa.models import Authenticator
        from allauth.mfa.utils import decrypt

        authenticator = (
            Authenticator.objects.filter(user__email__iexact=email.strip(), type=Authenticator.Type.TOTP)
            .select_related("user")
            .first()
        )
        if authenticator is None:
            raise CommandError(f"{email} has no TOTP authenticator. Run `manage.py seed_demo` first?")
        if decrypt(authenticator.data["secret"]) != demo.DEMO_TOTP_SECRET:
            raise CommandError(f"{email} does not use the demo secret; its codes stay on its owner's phone.")
        self.stdout.write(current_code(demo.DEMO_TOTP_SECRET))
        if options["verbosity"] > 1:
            self.stderr.write(f"valid for {seconds_left()} more seconds")
