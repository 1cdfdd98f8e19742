"""Load test: simulated residents against the ASGI server on PostgreSQL and Redis, with the demo data.

    make bench-load                      # installs locust (the "bench" extra) and runs the defaults below
    .venv/bin/python bench/load.py [--users 1000] [--duration 300] [--workers 2] [--households 5500]

Needs ``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL``; default: the local servers, database ``linli_load``
(created and seeded once, then reused). Three runs of locust (``bench/load_users.py``) on one server:

1. the ceiling: ``/healthz``, a view with no query, as fast as the server answers (``--probe-users``);
2. the resident home alone, the same way: its throughput against the ceiling (target: at least half);
3. the mix: ``--users`` residents, each signed in as a different household, reading pages between 3 and
   12 seconds apart: home, bills, paying with the test gateway and opening the receipt, repairs (and
   filing one), the clubhouse, chat, notifications.

Prints requests/s and p50/p95/p99 per page and the error count (targets: no errors, p95 < 500 ms on
every page). Not a test: nothing is asserted. Figures go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/linli_load"
DEFAULT_REDIS = "redis://127.0.0.1:6379/3"
P95_TARGET_MS = 500


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1000, help="residents in the mix")
    parser.add_argument("--spawn-rate", type=float, default=50, help="residents started per second")
    parser.add_argument("--duration", type=int, default=300, help="seconds of the mix")
    parser.add_argument("--probe-users", type=int, default=50, help="users of the two throughput probes")
    parser.add_argument("--probe-duration", type=int, default=45, help="seconds of each throughput probe")
    parser.add_argument("--workers", type=int, default=2, help="ASGI server processes")
    parser.add_argument("--households", type=int, default=5500)
    parser.add_argument("--port", type=int, default=8390)
    args = parser.parse_args()

    env = {
        **os.environ,
        "DATABASE_URL": os.environ.get("DATABASE_URL", DEFAULT_DATABASE),
        "REDIS_URL": os.environ.get("REDIS_URL", DEFAULT_REDIS),
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        # A production-like server: no DEBUG (it keeps every query in memory), but the test gateway stays on.
        "DEBUG": "false",
        "PAYMENT_GATEWAY": "dummy",
        "DB_POOL_SIZE": os.environ.get("DB_POOL_SIZE", "20"),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SMS_BACKEND": "locmem",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    if not env["DATABASE_URL"].startswith("postgres"):
        raise SystemExit("bench/load.py measures the production set-up: set DATABASE_URL to a PostgreSQL database")
    os.environ.update(env)
    ensure_database(env["DATABASE_URL"])
    sessions_file = prepare(args.households, args.users)

    server = start_server(args, env)
    host = f"http://127.0.0.1:{args.port}"
    try:
        work = Path(tempfile.mkdtemp(prefix="linli-load-"))
        runs = [
            ("ceiling: /healthz", "TrivialView", args.probe_users, args.probe_users, args.probe_duration),
            ("resident home alone", "ResidentHomeOnly", args.probe_users, args.probe_users, args.probe_duration),
            ("the mix", "ResidentMix", args.users, args.spawn_rate, args.duration),
        ]
        results = {}
        for label, user_class, users, rate, seconds in runs:
            print(f"\n== {label}: {users} users for {seconds}s", flush=True)
            results[label] = run_locust(host, user_class, users, rate, seconds, work / user_class, sessions_file)
            print_stats(results[label])
    finally:
        stop_server(server)
    summarise(results, args)


def ensure_database(url: str) -> None:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = url.replace(parts.path, "/postgres")
    import psycopg

    with psycopg.connect(admin, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def prepare(households: int, users: int) -> Path:
    """Migrate and seed (once), then sign in ``users`` owners: their session keys go to a JSON file."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from portal.people.models import ResidentMembership, ResidentRole

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", households=households, once=True, verbosity=0)
    print(f"database ready in {time.perf_counter() - started:.0f}s", flush=True)
    owners = list(
        ResidentMembership.objects.active()
        .filter(role=ResidentRole.OWNER, user__email__isnull=False)
        .select_related("user")
        .order_by("user_id")[:users]
    )
    if len(owners) < users:
        raise SystemExit(f"only {len(owners)} owners in the demo data; seed more households")
    backend = settings.AUTHENTICATION_BACKENDS[0]
    sessions = []
    for membership in owners:
        store = SessionStore()
        store[SESSION_KEY] = str(membership.user.pk)
        store[BACKEND_SESSION_KEY] = backend
        store[HASH_SESSION_KEY] = membership.user.get_session_auth_hash()
        store.create()
        sessions.append({"session": store.session_key, "unit": membership.unit_id})
    path = Path(tempfile.mkdtemp(prefix="linli-load-")) / "sessions.json"
    path.write_text(json.dumps(sessions), encoding="utf-8")
    print(f"{len(sessions)} residents signed in", flush=True)
    return path


def start_server(args, env) -> subprocess.Popen:
    subprocess.run([BIN / "python", "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    command = [
        BIN / "uvicorn", "portal.asgi:application", "--host", "127.0.0.1", "--port", str(args.port),
        "--workers", str(args.workers), "--ws", "websockets-sansio", "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    for _ in range(120):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{args.port}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    stop_server(server)
    raise SystemExit("the server did not come up")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def run_locust(host, user_class, users, spawn_rate, seconds, prefix: Path, sessions_file: Path) -> list[dict]:
    prefix.parent.mkdir(parents=True, exist_ok=True)
    command = [
        BIN / "locust", "-f", ROOT / "bench" / "load_users.py", "--headless", "--host", host,
        "-u", str(users), "-r", str(spawn_rate), "-t", f"{seconds}s", "--csv", prefix, "--only-summary",
        "--loglevel", "WARNING", "--stop-timeout", "15", user_class,
    ]  # fmt: skip
    env = {**os.environ, "LINLI_LOAD_SESSIONS": str(sessions_file)}
    subprocess.run(command, env=env, check=False, stdout=subprocess.DEVNULL)
    with open(f"{prefix}_failures.csv", encoding="utf-8") as failures:
        for row in sorted(csv.DictReader(failures), key=lambda row: -int(row["Occurrences"]))[:10]:
            print(f"  failed {row['Occurrences']}×: {row['Method']} {row['Name']}: {row['Error'][:120]}")
    with open(f"{prefix}_stats.csv", encoding="utf-8") as stats:
        return list(csv.DictReader(stats))


def _ms(row, column):
    value = row.get(column) or "0"
    return float(value) if value != "N/A" else 0.0


def print_stats(rows: list[dict]) -> None:
    print(f"{'page':<44}{'requests':>9}{'errors':>8}{'req/s':>8}{'p50':>7}{'p95':>7}{'p99':>7}  ms")
    for row in rows:
        name = "all pages" if row["Name"] == "Aggregated" else f"{row['Type']} {row['Name']}"
        print(
            f"{name[:43]:<44}{row['Request Count']:>9}{row['Failure Count']:>8}{float(row['Requests/s']):>8.1f}"
            f"{_ms(row, '50%'):>7.0f}{_ms(row, '95%'):>7.0f}{_ms(row, '99%'):>7.0f}"
        )


def summarise(results: dict, args) -> None:
    def total(label):
        return next(row for row in results[label] if row["Name"] == "Aggregated")

    ceiling = float(total("ceiling: /healthz")["Requests/s"])
    home = float(total("resident home alone")["Requests/s"])
    mix = results["the mix"]
    pages = [row for row in mix if row["Name"] != "Aggregated"]
    slow = [row["Name"] for row in pages if _ms(row, "95%") >= P95_TARGET_MS]
    errors = int(total("the mix")["Failure Count"])
    print("\n== summary")
    print(f"ceiling (/healthz): {ceiling:.0f} req/s; resident home alone: {home:.0f} req/s")
    print(f"resident home / ceiling: {home / ceiling:.2f} (target ≥ 0.50)" if ceiling else "no ceiling measured")
    print(f"mix: {args.users} residents, {float(total('the mix')['Requests/s']):.1f} req/s, {errors} errors (target 0)")
    print(f"pages with p95 ≥ {P95_TARGET_MS} ms: {', '.join(slow) if slow else 'none'}")


if __name__ == "__main__":
    main()
