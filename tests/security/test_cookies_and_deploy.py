"""Cookie flags under production settings, and ``check --deploy`` clean (both in a subprocess: settings are read
once, at start-up, from the environment)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD, AccountFactory

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "LINLI_ENV": "production",
    "SECRET_KEY": "security-suite-" + "k" * 40 + "-0123456789abcdef",
    "ALLOWED_HOSTS": "portal.example.com",
}
PRINT_FLAGS = """
import json
from django.conf import settings as s
print(json.dumps({name: getattr(s, name) for name in [
    "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY", "CSRF_COOKIE_SAMESITE",
    "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_CONTENT_TYPE_NOSNIFF", "DEBUG",
]}))
"""


def _manage(*args):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "LINLI_ENV"}}
    env.update(PRODUCTION_ENV)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )


def test_production_cookies_are_secure_http_only_and_same_site():
    result = _manage("shell", "-c", PRINT_FLAGS)
    assert result.returncode == 0, result.stderr
    flags = json.loads(result.stdout.strip().splitlines()[-1])
    assert flags == {
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_SAMESITE": "Lax",
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "DEBUG": False,
    }


def test_check_deploy_is_clean_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


@pytest.mark.django_db
@override_settings(SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True)
def test_the_cookies_a_login_sets_carry_the_flags(client):
    """What the browser really receives: the Set-Cookie headers of a login with production's cookie settings."""
    user = AccountFactory()
    client.get(reverse("account_login"), secure=True)
    response = client.post(reverse("account_login"), {"login": user.email, "password": DEFAULT_PASSWORD}, secure=True)
    assert response.status_code == 302, response.content[:500]
    session, csrf = response.cookies["sessionid"], client.cookies["csrftoken"]
    for cookie in (session, csrf):
        assert cookie["secure"] is True, cookie.output()
        assert cookie["httponly"] is True, cookie.output()
        assert cookie["samesite"] == "Lax", cookie.output()
