"""Live chat under load: N websocket clients against one uvicorn process with the Redis channel layer.

    .venv/bin/python bench/chat.py [--clients 1000] [--messages 5] [--port 8765] [--keep]

Creates (in database ``linli_bench_chat`` on 127.0.0.1, or DATABASE_URL when set) one office with
N/2 residents, each with a conversation with one of N/2 housekeepers, and a logged-in session per
user. Starts ``uvicorn portal.asgi:application`` (one process) with REDIS_URL (default
redis://127.0.0.1:6379/5), opens every client through the real stack (session cookie, origin
check, the consumer's access check), then each resident sends ``--messages`` messages to its
housekeeper. Prints connections held, messages/s and p50/p95/p99 delivery latency (from the
resident's send to the housekeeper's receipt, both clocks in this process). Target: 1,000
connections held with p95 < 100 ms. Not a test: nothing is asserted.
"""

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = "linli_bench_chat"
ADMIN_CONNINFO = "host=127.0.0.1 user=postgres dbname=postgres"


def _admin(sql):
    import psycopg

    with psycopg.connect(ADMIN_CONNINFO, autocommit=True) as conn:
        conn.execute(sql)


def prepare_environment() -> bool:
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/5")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    if os.environ.get("DATABASE_URL"):
        return False
    _admin(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
    _admin(f"CREATE DATABASE {BENCH_DB}")
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}"
    return True


def create_world(pairs: int) -> list[tuple[int, str, str]]:
    """Returns (conversation id, resident session key, housekeeper session key) per pair."""
    import datetime

    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from notifications.models import Conversation
    from portal.people.models import ResidentMembership, StaffMembership, StaffRole
    from portal.properties.models import Building, Community, Company, Grid, Office, Region, Unit

    User = get_user_model()
    company = Company.objects.create(name="Bench chat Co.", currency="CNY")
    office = Office.objects.create(region=Region.objects.create(company=company, name="R"), name="O", code="bench")
    community = Community.objects.create(office=office, name="C", code="bench-c")
    building = Building.objects.create(community=community, name="1", floors=30)
    grid = Grid.objects.create(community=community, name="G")
    units = Unit.objects.bulk_create(
        Unit(building=building, grid=grid, number=f"{i + 1:04d}", floor=1, floor_area=80) for i in range(pairs)
    )
    residents = User.objects.bulk_create(User(email=f"r{i}@bench.local", full_name=f"R{i}") for i in range(pairs))
    keepers = User.objects.bulk_create(User(email=f"k{i}@bench.local", full_name=f"K{i}") for i in range(pairs))
    start = timezone.localdate() - datetime.timedelta(days=1)
    ResidentMembership.objects.bulk_create(
        ResidentMembership(user=r, unit=u, role="owner", start_date=start, verified=True)
        for r, u in zip(residents, units, strict=True)
    )
    StaffMembership.objects.bulk_create(
        StaffMembership(user=k, company=company, office=office, role=StaffRole.HOUSEKEEPER, start_date=start)
        for k in keepers
    )
    conversations = Conversation.objects.bulk_create(
        Conversation(office=office, unit=u, resident=r, assignee=k, subject="bench")
        for r, k, u in zip(residents, keepers, units, strict=True)
    )
    sessions, keys = [], {}
    expiry = timezone.now() + datetime.timedelta(days=1)
    for user in [*residents, *keepers]:
        store = SessionStore()
        key = store._get_new_session_key()
        data = {
            "_auth_user_id": str(user.pk),
            "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
            "_auth_user_hash": user.get_session_auth_hash(),
        }
        sessions.append(Session(session_key=key, session_data=store.encode(data), expire_date=expiry))
        keys[user.pk] = key
    Session.objects.bulk_create(sessions)
    return [(c.pk, keys[c.resident_id], keys[c.assignee_id]) for c in conversations]


async def run_clients(port, world, messages):
    import websockets

    origin = f"http://127.0.0.1:{port}"
    latencies, opened, failed = [], [], 0
    pending: dict[str, float] = {}

    async def connect(conversation_id, session_key):
        return await websockets.connect(
            f"ws://127.0.0.1:{port}/ws/chat/{conversation_id}/",
            additional_headers={"Cookie": f"sessionid={session_key}"},
            origin=origin,
            open_timeout=60,
        )

    sockets = []
    for i in range(0, len(world), 50):  # open in waves so the server is not hit by 1,000 handshakes at once
        batch = world[i : i + 50]
        results = await asyncio.gather(*[connect(c, k) for c, r, s in batch for k in (r, s)], return_exceptions=True)
        for result in results:
            if isinstance(result, Exception):
                if not failed:
                    print(f"first refusal: {result!r}", flush=True)
                failed += 1
            else:
                opened.append(result)
        sockets.extend(results)
    held = len(opened)
    print(f"connections held: {held} of {len(world) * 2} ({failed} refused or timed out)", flush=True)

    async def keeper_loop(ws, expected):
        got = 0
        while got < expected:
            data = json.loads(await asyncio.wait_for(ws.recv(), 30))
            if data.get("type") == "message" and data["body"] in pending:
                latencies.append(time.perf_counter() - pending.pop(data["body"]))
                got += 1

    async def resident_loop(ws, conversation_id):
        for n in range(messages):
            body = f"{conversation_id}-{n}"
            pending[body] = time.perf_counter()
            await ws.send(json.dumps({"type": "message", "body": body}))
            await asyncio.sleep(0.2)

    async def drain(ws):
        try:
            while True:
                await ws.recv()
        except Exception:  # noqa: BLE001 - closed at the end
            return

    pairs = [
        (c, sockets[2 * i], sockets[2 * i + 1])
        for i, (c, _r, _s) in enumerate(world)
        if not isinstance(sockets[2 * i], Exception) and not isinstance(sockets[2 * i + 1], Exception)
    ]
    started = time.perf_counter()
    drains = [asyncio.create_task(drain(resident)) for _c, resident, _k in pairs]
    try:
        await asyncio.gather(
            *[keeper_loop(keeper, messages) for _c, _r, keeper in pairs],
            *[resident_loop(resident, c) for c, resident, _k in pairs],
        )
    except TimeoutError:
        print("some messages did not arrive within 30 s", flush=True)
    elapsed = time.perf_counter() - started
    for task in drains:
        task.cancel()
    for ws in opened:
        await ws.close()
    return held, latencies, elapsed


def wait_for_port(port, timeout=120):
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise SystemExit(f"uvicorn did not listen on port {port} within {timeout} s")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=5)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    created = prepare_environment()
    import django

    django.setup()
    from django.core.management import call_command

    print("migrating…", flush=True)
    call_command("migrate", verbosity=0)
    world = create_world(args.clients // 2)
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
        [
            sys.executable,
            "-m",
            "uvicorn",
            "portal.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(args.port),
            "--log-level",
            "warning",
            "--ws",
            "auto",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
    )
    try:
        wait_for_port(args.port)
        held, latencies, elapsed = asyncio.run(run_clients(args.port, world, args.messages))
    finally:
        server.terminate()
        server.wait(10)
        from django.db import connections

        connections.close_all()
        if created and not args.keep:
            _admin(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
    if latencies:
        q = statistics.quantiles([x * 1000 for x in latencies], n=100)
        print(f"messages delivered: {len(latencies)} in {elapsed:.1f} s = {len(latencies) / elapsed:.0f} messages/s")
        print(f"delivery latency: p50 {q[49]:.1f} ms, p95 {q[94]:.1f} ms, p99 {q[98]:.1f} ms")
        print(f"target (1,000 held, p95 < 100 ms): {'met' if held >= 1000 and q[94] < 100 else 'not met'}")


if __name__ == "__main__":
    main()
