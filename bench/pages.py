"""Time the busiest foundation pages on the full demo data, against a trivial view in the same run.

    .venv/bin/python bench/pages.py [--households 5500] [--repeat 30]

Uses DATABASE_URL when set (e.g. PostgreSQL), else a throw-away SQLite file. Prints per page the
median and 95th percentile in milliseconds, the query count, and the ratio to /healthz (the floor
set by Django's own request handling on this machine). Not a test: nothing is asserted.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=5500)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='linli-bench-')}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ["STAFF_MFA_REQUIRED"] = "false"  # force_login skips the second factor anyway

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from portal import demo
    from portal.people.models import User
    from portal.properties.models import Office

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("seed_demo", households=args.households, once=True, verbosity=0)
    print(f"seed_demo --households {args.households}: {time.perf_counter() - started:.1f}s")

    def client_for(email):
        client = Client()
        client.force_login(User.objects.get(email=email))
        return client

    anonymous = Client()
    resident = client_for(demo.DEMO_LOGIN_BY_KEY["resident"].email)
    manager = client_for(demo.DEMO_LOGIN_BY_KEY["office_manager"].email)
    headquarters = client_for(demo.DEMO_LOGIN_BY_KEY["headquarters"].email)
    office = Office.objects.get(code=demo.DEMO_LOGIN_BY_KEY["office_manager"].office_code)
    pages = [
        ("/healthz (floor)", anonymous, "/healthz"),
        ("home (anonymous)", anonymous, "/"),
        ("resident home /my/", resident, "/my/"),
        ("back office home", manager, "/backoffice/"),
        ("unit list", manager, "/backoffice/properties/units/"),
        ("unit list, search", manager, "/backoffice/properties/units/?q=1201"),
        ("residents list", manager, "/backoffice/people/residents/"),
        ("audit log", manager, "/backoffice/audit/"),
        ("leadership, company", headquarters, "/backoffice/reports/leadership/?period=year"),
        ("leadership, office", manager, f"/backoffice/reports/leadership/office/{office.pk}/?period=year"),
    ]
    floor = None
    print(f"{'page':<24}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}{'x floor':>9}")
    for label, client, url in pages:
        client.get(url)  # warm caches and templates; the first request is not what users wait for
        timings = []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as queries:
                t0 = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - t0) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
        timings.sort()
        p50 = statistics.median(timings)
        p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
        floor = floor or p50
        print(f"{label:<24}{p50:>9.1f}{p95:>9.1f}{len(queries.captured_queries):>9}{p50 / floor:>9.1f}")


if __name__ == "__main__":
    main()
