"""Production settings refuse unsafe values; development works with nothing configured."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = "x" * 20 + "-a-real-random-production-secret-value-0123456789"


def run_check(extra_env, *args):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "LINLI_ENV"}}
    env.update(extra_env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "secret",
    [None, "", "linli-development-only-secret-key-do-not-use-in-production", "too-short"],
    ids=["missing", "empty", "development-default", "short"],
)
def test_production_refuses_a_missing_or_default_secret(secret):
    env = {"LINLI_ENV": "production", "ALLOWED_HOSTS": "portal.example.com"}
    if secret is not None:
        env["SECRET_KEY"] = secret
    result = run_check(env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_debug():
    result = run_check(
        {"LINLI_ENV": "production", "SECRET_KEY": GOOD_SECRET, "DEBUG": "true", "ALLOWED_HOSTS": "a.example"}
    )
    assert result.returncode != 0
    assert "DEBUG" in result.stderr


def test_check_deploy_is_clean_under_production_settings():
    result = run_check(
        {"LINLI_ENV": "production", "SECRET_KEY": GOOD_SECRET, "ALLOWED_HOSTS": "portal.example.com"},
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_development_runs_without_any_configuration():
    result = run_check({})
    assert result.returncode == 0, result.stderr


def database_settings(extra_env):
    code = "import json; from django.conf import settings as s; print(json.dumps(s.DATABASES['default'], default=str))"
    env = {k: v for k, v in os.environ.items() if k not in {"DB_POOL_SIZE", "DB_CONN_MAX_AGE"}}
    env.update({"DJANGO_SETTINGS_MODULE": "portal.settings", **extra_env})
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    import json

    return json.loads(result.stdout.strip().splitlines()[-1])


def test_postgres_keeps_connections_by_default_and_pools_them_when_asked():
    url = {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/linli_settings_probe"}  # never connected to
    persistent = database_settings(url)
    assert persistent["CONN_MAX_AGE"] == 60 and "pool" not in persistent.get("OPTIONS", {})
    pooled = database_settings({**url, "DB_POOL_SIZE": "12"})
    assert pooled["CONN_MAX_AGE"] == 0  # Django's pool refuses persistent connections
    assert pooled["OPTIONS"]["pool"]["max_size"] == 12
