"""Browser tests: Debian's chromium driven by Playwright against pytest-django's live server.

They run in their own pytest invocation (``make test`` does this) with DJANGO_ALLOW_ASYNC_UNSAFE=true,
because Playwright's event loop would break later asyncio tests in the same process.
"""

import os
import re
import shutil
from pathlib import Path

import pytest

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
