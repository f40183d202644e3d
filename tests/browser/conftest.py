"""Browser tests: headless Debian Chromium through Playwright, against a live Kopdig server.

The live server and the database. pytest-django's ``live_server`` needs ``transactional_db``,
whose teardown empties every table with ``flush``. On PostgreSQL that is TRUNCATE, which the
append-only triggers (audit trail, journal) do not see. On SQLite it is DELETE, which they
refuse: that is their job. So on SQLite the server runs *inside the test's transaction*
instead: the test database is in memory, and Django already hands the server thread the test's
own connection for such a database (see ``LiveServerThread``); with the plain ``db`` fixture
that connection is inside the test's atomic block, so everything the browser writes is rolled
back with the test, like any other test's data, and nothing is ever flushed. Both engines run
the same tests; only the fixture below knows the difference (``BROWSER_DB``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright
from pytest_django.live_server_helper import LiveServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE: ViewportSize = {"width": 360, "height": 740}

ON_SQLITE = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
# The marker every browser test module uses (see the module docstring).
BROWSER_DB = pytest.mark.django_db(transaction=not ON_SQLITE)


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[str]:
    """A Kopdig server on a free port, seeing (and writing to) this test's database."""
    if not request.node.get_closest_marker("django_db"):
        raise pytest.UsageError(
            "Browser tests need the BROWSER_DB marker (tests/browser/conftest.py)"
        )
    live = LiveServer("localhost:0")
    try:
        yield live.url
    finally:
        live.thread.terminate()
        # Requests are served on daemon threads the server does not wait for; a shared
        # connection must stay shared until the last of them has let go of it.
        for thread in threading.enumerate():
            if thread.name.endswith("(process_request_thread)"):
                thread.join(timeout=30)
        for connection in (live.thread.connections_override or {}).values():
            connection.dec_thread_sharing()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Playwright's sync API runs an event loop in this thread, and Django refuses database calls
    # from a thread with a running loop: allow them for as long as the browser is open (the
    # server answers from its own threads; only fixtures touch the database from here).
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield chromium
            chromium.close()


@pytest.fixture
def phone(browser: Browser, server: str) -> Iterator[Page]:
    """A page the size of a cheap Android phone, in Indonesian; closed before the server stops."""
    context = browser.new_context(viewport=PHONE, locale="id-ID", timezone_id="Asia/Makassar")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def fits_the_screen(page: Page) -> Any:
    """Nothing wider than the viewport: no sideways scrolling on a phone."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
