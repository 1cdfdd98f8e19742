"""System checks for deployment mistakes Django's own checks do not catch."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def production_profile(app_configs, **kwargs):
    problems = []
    if not settings.PRODUCTION:
        problems.append(
            Warning(
                "LINLI_ENV is not 'production': development defaults are in use.",
                hint="Set LINLI_ENV=production with a real SECRET_KEY for deployments.",
                id="linli.W001",
            )
        )
    if settings.PRODUCTION and settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY:
        problems.append(Error("The development SECRET_KEY is in use in production.", id="linli.E001"))
    return problems
