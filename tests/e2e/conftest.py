"""Browser tests: Debian's chromium driven by Playwright against pytest-django's live server.

They run in their own pytest invocation (``make test`` does this) with DJANGO_ALLOW_ASYNC_UNSAFE=true,
because Playwright's event loop would break later asyncio tests in the same process.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).parent / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def pytest_collection_modifyitems(config, items):
    if not Path(CHROMIUM).exists():
        skip = pytest.mark.skip(reason=f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium)")
        for item in items:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def shot(request):
    """Save a screenshot named after the test and step (kept as a CI artefact)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    base = re.sub(r"[^\w.-]+", "_", request.node.name)

    def take(page, step):
        page.screenshot(path=str(SCREENSHOTS / f"{base}--{step}.png"), full_page=True)

    return take


@pytest.fixture(autouse=True)
def _e2e_settings(settings):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["*"]


@pytest.fixture(autouse=True)
def _fast_and_inspectable(settings):
    """Cheap password hashes, SMS into an outbox, fresh rate-limit counters (they live in the cache)."""
    from django.core.cache import cache

    from portal.people import sms

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SMS_BACKEND = "locmem"
    sms.outbox.clear()
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def open_page(browser, live_server):
    """``open_page(locale="zh-CN", viewport=DESKTOP)``: a page in a fresh browser context (its own cookies).

    The locale sets the browser's Accept-Language, which is what Django's LocaleMiddleware reads first.
    ``base_url`` points the page at another server (``asgi_server.url`` for websockets).
    """
    contexts = []

    def open_(locale="zh-CN", viewport=DESKTOP, base_url=None):
        context = browser.new_context(base_url=base_url or live_server.url, locale=locale, viewport=viewport)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()


def assert_fits_phone(page, shot, step, actions=()):
    """Show the current page at phone width (390x844), screenshot it, and check it is usable there.

    Nothing may stick out sideways (``scrollWidth <= innerWidth``), and each of ``actions`` (locators or
    CSS selectors of the page's main actions) must be visible and lie within the screen's width.
    """
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    try:
        actions = [(page.locator(action) if isinstance(action, str) else action).first for action in actions]
        for locator in actions:
            expect(locator).to_be_visible()  # also waits for a page still loading
        # Let the page lay itself out at the new width before measuring and the full-page capture.
        page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        shot(page, f"{step}-phone")
        widths = page.evaluate("({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
        assert widths["scroll"] <= widths["inner"], (
            f"{page.url} is {widths['scroll'] - widths['inner']}px wider than a phone screen"
        )
        for action in actions:
            box = action.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1, (
                f"{action} does not fit a phone screen at {page.url}: {box}"
            )
    finally:
        if size != PHONE:
            page.set_viewport_size(size)


@pytest.fixture
def world(db):
    """Two offices of one company. North: "Green Garden", building 3, a grid whose housekeeper is Wang Fang.

    South: "Lake View", with its own building, grid and unit. Built with the project's factories and services.
    """
    from types import SimpleNamespace

    from tests.factories import (
        BuildingFactory,
        CommunityFactory,
        CompanyFactory,
        GridFactory,
        OfficeFactory,
        RegionFactory,
        UnitFactory,
        UserFactory,
    )

    company = CompanyFactory(name="Linli Property")
    region = RegionFactory(company=company, name="East")

    def office_with_community(label, community_name, keeper):
        office = OfficeFactory(region=region, name=f"{label} office", code=f"{label.lower()}-office")
        community = CommunityFactory(office=office, name=community_name, code=f"{label.lower()}-community")
        building = BuildingFactory(community=community, name="3", floors=18)
        grid = GridFactory(community=community, name=f"{label} grid", housekeeper=keeper)
        units = [UnitFactory(building=building, grid=grid, number=n, floor=int(n[:-2])) for n in ("1501", "1502")]
        return SimpleNamespace(office=office, community=community, building=building, grid=grid, units=units)

    north_keeper = UserFactory(full_name="Wang Fang", phone="+8613812345678")
    south_keeper = UserFactory(full_name="Sun Li", phone="+8613955556666")
    return SimpleNamespace(
        company=company,
        north=office_with_community("North", "Green Garden", north_keeper),
        south=office_with_community("South", "Lake View", south_keeper),
    )


@pytest.fixture
def asgi_server(transactional_db):
    """The project's ASGI application (HTTP and websockets, as ``make serve`` runs it) on uvicorn, in a thread.

    pytest-django's ``live_server`` speaks WSGI only; live chat needs the websockets. The thread shares this
    process's test database; connections are not kept between requests so none outlives the test.
    """
    import socket
    import threading
    import time
    from types import SimpleNamespace

    import uvicorn
    from django.db import connections

    from portal.asgi import application

    db_settings = connections["default"].settings_dict
    max_age = db_settings.get("CONN_MAX_AGE", 0)
    db_settings["CONN_MAX_AGE"] = 0
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(application, lifespan="off", log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the ASGI server did not start"
        time.sleep(0.05)
    try:
        yield SimpleNamespace(url=f"http://127.0.0.1:{sock.getsockname()[1]}")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        db_settings["CONN_MAX_AGE"] = max_age
