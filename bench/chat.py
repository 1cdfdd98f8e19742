"""Live chat under load: N websocket clients against one uvicorn process with the Redis channel layer.

    .venv/bin/python bench/chat.py [--clients 1000] [--messages 5] [--interval 1.0] [--port 8765] [--keep]

Creates (in database ``linli_bench_chat`` on 127.0.0.1, or DATABASE_URL when set) one office with
N/2 residents, each with a conversation with one of N/2 housekeepers, and a logged-in session per
user. Starts ``uvicorn`` (one process) serving ``portal.asgi:application`` with REDIS_URL (default
redis://127.0.0.1:6379/5), plus a bare echo websocket at ``/bench/echo/`` as the baseline.

Two phases in the same run, same server, same number of clients:
1. baseline: N clients open the echo socket and each sends ``--messages`` frames; the round trip
   is what the server, the event loop and this client cost with no Django, no Redis, no database;
2. chat: N clients open ``ws/chat/<id>/`` through the real stack (session cookie, origin check,
   the consumer's access check, the presence row), then each resident sends ``--messages``
   messages, one every ``--interval`` seconds (the offered load is printed); latency is from the
   resident's send to the housekeeper's receipt (the message is stored, pushed through Redis to
   both sides).
Prints connections held, connect time and latency p50/p95/p99 for both, the ratios chat/baseline,
and messages/s. Target: 1,000 connections held with p95 delivery < 100 ms. Not a test: nothing
is asserted.
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


ECHO_PATH = "/bench/echo/"
WAVE = 50  # clients opened at once: the server is not hit by 1,000 handshakes in the same instant


def make_application():
    """uvicorn --factory: the portal's ASGI application, and a bare echo websocket as the baseline."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    from portal.asgi import application as portal_app

    async def echo(scope, receive, send):
        while True:
            event = await receive()
            if event["type"] == "websocket.connect":
                await send({"type": "websocket.accept"})
            elif event["type"] == "websocket.receive":
                await send({"type": "websocket.send", "text": event.get("text"), "bytes": event.get("bytes")})
            elif event["type"] == "websocket.disconnect":
                return

    async def app(scope, receive, send):
        if scope["type"] == "websocket" and scope["path"] == ECHO_PATH:
            return await echo(scope, receive, send)
        return await portal_app(scope, receive, send)

    return app


async def open_all(urls_and_cookies, origin):
    """Open every socket in waves; returns (sockets or exceptions, connect times in seconds)."""
    import websockets

    async def connect(url, cookie):
        started = time.perf_counter()
        ws = await websockets.connect(
            url, additional_headers={"Cookie": cookie} if cookie else None, origin=origin, open_timeout=60
        )
        return ws, time.perf_counter() - started

    sockets, times, failed = [], [], 0
    for i in range(0, len(urls_and_cookies), WAVE):
        batch = urls_and_cookies[i : i + WAVE]
        results = await asyncio.gather(*[connect(u, c) for u, c in batch], return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                if not failed:
                    print(f"first refusal: {result!r}", flush=True)
                failed += 1
                sockets.append(result)
            else:
                sockets.append(result[0])
                times.append(result[1])
    return sockets, times, failed


async def close_all(sockets):
    await asyncio.gather(*[ws.close() for ws in sockets if not isinstance(ws, BaseException)], return_exceptions=True)


async def run_baseline(port, clients, messages, interval):
    """Phase 1: the echo socket. Returns (held, connect times, round trips)."""
    origin = f"http://127.0.0.1:{port}"
    sockets, connect_times, failed = await open_all([(f"ws://127.0.0.1:{port}{ECHO_PATH}", "")] * clients, origin)
    held = len(connect_times)
    print(f"baseline: echo connections held {held} of {clients} ({failed} refused or timed out)", flush=True)
    round_trips = []

    async def loop(ws, n):
        for k in range(messages):
            body = f"{n}-{k}"
            started = time.perf_counter()
            await ws.send(body)
            while await asyncio.wait_for(ws.recv(), 30) != body:
                pass
            round_trips.append(time.perf_counter() - started)
            await asyncio.sleep(interval)

    live = [ws for ws in sockets if not isinstance(ws, BaseException)]
    started = time.perf_counter()
    try:
        await asyncio.gather(*[loop(ws, n) for n, ws in enumerate(live)])
    except TimeoutError:
        print("baseline: some echoes did not come back within 30 s", flush=True)
    elapsed = time.perf_counter() - started
    await close_all(sockets)
    return held, connect_times, round_trips, elapsed


async def run_chat(port, world, messages, interval):
    """Phase 2: the chat. Returns (held, connect times, delivery latencies, elapsed seconds)."""
    origin = f"http://127.0.0.1:{port}"
    targets = []
    for conversation_id, resident_key, keeper_key in world:
        for key in (resident_key, keeper_key):
            targets.append((f"ws://127.0.0.1:{port}/ws/chat/{conversation_id}/", f"sessionid={key}"))
    sockets, connect_times, failed = await open_all(targets, origin)
    held = len(connect_times)
    print(f"chat: connections held {held} of {len(targets)} ({failed} refused or timed out)", flush=True)
    latencies = []
    pending: dict[str, float] = {}

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
            await asyncio.sleep(interval)

    async def drain(ws):
        try:
            while True:
                await ws.recv()
        except Exception:  # noqa: BLE001 - closed at the end
            return

    pairs = [
        (c, sockets[2 * i], sockets[2 * i + 1])
        for i, (c, _r, _s) in enumerate(world)
        if not isinstance(sockets[2 * i], BaseException) and not isinstance(sockets[2 * i + 1], BaseException)
    ]
    started = time.perf_counter()
    drains = [asyncio.create_task(drain(resident)) for _c, resident, _k in pairs]
    try:
        await asyncio.gather(
            *[keeper_loop(keeper, messages) for _c, _r, keeper in pairs],
            *[resident_loop(resident, c) for c, resident, _k in pairs],
        )
    except TimeoutError:
        print("chat: some messages did not arrive within 30 s", flush=True)
    elapsed = time.perf_counter() - started
    for task in drains:
        task.cancel()
    await close_all(sockets)
    return held, connect_times, latencies, elapsed


def percentiles(seconds: list[float]) -> tuple[float, float, float] | None:
    if len(seconds) < 2:
        return None
    q = statistics.quantiles([x * 1000 for x in seconds], n=100)
    return q[49], q[94], q[98]


def report(label, base, measured):
    if base is None or measured is None:
        print(f"{label:<28} not enough samples")
        return
    cells = " ".join(f"{m:8.1f}" for m in measured)
    ratios = " ".join(f"{m / b if b else float('inf'):7.1f}x" for m, b in zip(measured, base, strict=True))
    print(f"{label:<28} {cells}   vs baseline {ratios}")


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
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between one client's messages")
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
            "--factory",
            "chat:make_application",
            "--app-dir",
            str(ROOT / "bench"),
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
        base_held, base_connect, base_rtt, base_elapsed = asyncio.run(
            run_baseline(args.port, args.clients, args.messages, args.interval)
        )
        held, connect_times, latencies, elapsed = asyncio.run(run_chat(args.port, world, args.messages, args.interval))
    finally:
        server.terminate()
        server.wait(10)
        from django.db import connections

        connections.close_all()
        if created and not args.keep:
            _admin(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
    print()
    offered = (args.clients // 2) / args.interval
    print(
        f"clients {args.clients}, {args.messages} messages per resident every {args.interval:g} s "
        f"(offered {offered:.0f} messages/s), one uvicorn process, Redis channel layer"
    )
    print(f"{'(milliseconds)':<28} {'p50':>8} {'p95':>8} {'p99':>8}")
    base_c, base_r = percentiles(base_connect), percentiles(base_rtt)
    report("baseline connect (echo)", base_c, base_c)
    report("baseline round trip (echo)", base_r, base_r)
    report("chat connect", base_c, percentiles(connect_times))
    chat_q = percentiles(latencies)
    report("chat delivery", base_r, chat_q)
    print(f"connections held: baseline {base_held}, chat {held} of {args.clients}")
    if base_rtt:
        print(f"baseline echoes: {len(base_rtt)} in {base_elapsed:.1f} s = {len(base_rtt) / base_elapsed:.0f}/s")
    if latencies:
        print(
            f"chat messages delivered: {len(latencies)} in {elapsed:.1f} s = {len(latencies) / elapsed:.0f} messages/s"
        )
    if chat_q:
        met = held >= 1000 and chat_q[1] < 100
        print(
            f"target (1,000 held, p95 delivery < 100 ms): {'met' if met else 'not met'}"
            + ("" if args.clients >= 1000 else f" (this run: {args.clients} clients)")
        )


if __name__ == "__main__":
    main()
