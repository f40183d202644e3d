"""The members' app: beranda's server time under gunicorn, and its weight and LCP on a slow phone.

1. ``portal.server``: **20 members at once**, each signed in on their own connection, open
   beranda (``GET /app/``) again and again against gunicorn (several worker processes, the
   production server of ``make demo``), each request followed by one to a trivial Django view
   (``bench/_portal_urls.py``: the same middleware and session, no query of its own). Server
   time is gunicorn's own per-request time (``%(D)s`` in its access log). Target: beranda p95
   at most 50 ms, reported with its ratio to the trivial view's p95 measured in the same run.
   Two runs: members who read (0.5–2 s between screens) and saturation (no pause).
2. ``portal.weight``: the first load of beranda in Chromium at 360×740 with an empty cache and
   no service worker, through CDP network emulation of a slow mobile link (150 ms RTT,
   1.6 Mbps down, 750 kbps up): bytes transferred (compressed, as on the wire) in all and of
   JavaScript, and the Largest Contentful Paint. Targets: ≤ 100 KB, ≤ 40 KB of JS, LCP ≤ 2 s.
   Static files are collected first (hashed, precompressed), as in production.

``python -m bench portal`` (SQLite in a scratch folder); with
``DATABASE_URL=postgres://…/scratch`` on PostgreSQL. ``python -m bench portal.weight`` for one part.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench import figure, koperasi, load

MEMBERS = 20
REQUESTS_EACH = int(os.environ.get("KOPDIG_BENCH_PORTAL_REQUESTS", "20"))
WORKERS = int(os.environ.get("KOPDIG_BENCH_WORKERS", "4"))
PIN = "258147"
ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _members() -> tuple[Any, list[Any]]:
    """A koperasi whose members each have savings, a running loan, and the app activated."""
    from portal.models import MemberLogin
    from portal.services import activate, issue_activation_code
    from registry.models import Koperasi, Role
    from savings.services import deposit
    from tests.factories import (
        MemberFactory,
        UserFactory,
        disbursed_loan,
        grant,
        savings_account,
    )

    found = Koperasi.objects.filter(code="bench-app").first()
    if found is not None:
        return found, list(MemberLogin.objects.filter(koperasi=found).order_by("pk"))
    kop = koperasi("bench-app", dt.date(2025, 3, 3))
    kasir = UserFactory.create(username="bench-app-kasir")
    grant(kasir, Role.KASIR, kop)
    logins = []
    for n in range(MEMBERS):
        member = MemberFactory.create(koperasi=kop, phone=f"+62812770{n:05d}")
        account = savings_account(kop, member=member)
        for i in range(30):
            deposit(account=account, amount=Decimal(10_000 + i * 1000), actor=None)
        disbursed_loan(kop, member=member, principal=5_000_000, tenor=12)
        code = issue_activation_code(member=member, actor=kasir)
        logins.append(
            activate(
                phone=member.phone, member_number=member.number, code=code, pin=PIN, pin_again=PIN
            )
        )
    return kop, logins


class Server:
    """gunicorn serving Kopdig (plus the trivial view) on a free port, logging each request's
    time in microseconds."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.log = Path(tempfile.mkstemp(prefix="kopdig-bench-access-", suffix=".log")[1])
        env = {
            **os.environ,
            "KOPDIG_BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": str(WORKERS),
            "KOPDIG_ACCESS_LOG": str(self.log),
            "DJANGO_SETTINGS_MODULE": "kopdig.settings",
            "PYTHONPATH": str(ROOT),
        }
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [
                str(gunicorn),
                "-c",
                str(ROOT / "kopdig" / "gunicorn.conf.py"),
                "--access-logformat",
                "%(m)s %(U)s %(s)s %(D)s",
                "bench._portal_wsgi",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        for _ in range(200):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)

    def times(self) -> dict[str, list[float]]:
        """Milliseconds per path, from the access log."""
        found: dict[str, list[float]] = {}
        for line in self.log.read_text().splitlines():
            parts = line.split()
            if len(parts) == 4 and parts[0] == "GET" and parts[2] == "200":
                found.setdefault(parts[1], []).append(int(parts[3]) / 1000)
        return found

    def reset_log(self) -> None:
        self.log.write_text("")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.unlink(missing_ok=True)


def _signed_in(url: str, phone: str) -> Any:
    import requests

    session = requests.Session()
    page = session.get(f"{url}/app/masuk/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, page.status_code
    response = session.post(
        f"{url}/app/masuk/",
        data={"csrfmiddlewaretoken": token.group(1), "phone": phone, "pin": PIN},
        headers={"Referer": f"{url}/app/masuk/"},
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[:500]
    return session


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def bench_server() -> None:
    _kop, logins = _members()
    server = Server()
    try:
        sessions = [_signed_in(server.url, login.phone) for login in logins]
        for session in sessions:  # warm up: each worker's connection and the day's first screen
            session.get(f"{server.url}/app/")
        runs = (
            ("members reading: 0.5-2 s between screens", (0.5, 2.0)),
            ("saturation: no pause", (0.0, 0.0)),
        )
        for label, think in runs:
            server.reset_log()
            failures: list[int] = []
            barrier = threading.Barrier(len(sessions))

            def member(
                n: int,
                think: tuple[float, float] = think,
                barrier: threading.Barrier = barrier,
                failures: list[int] = failures,
            ) -> None:
                rng = random.Random(n)
                session = sessions[n]
                barrier.wait()
                for _ in range(REQUESTS_EACH):
                    if think[1]:
                        time.sleep(rng.uniform(*think))
                    for path in ("/app/", "/bench/trivial/"):
                        response = session.get(f"{server.url}{path}", allow_redirects=False)
                        if response.status_code != 200:
                            failures.append(response.status_code)

            threads = [threading.Thread(target=member, args=(n,)) for n in range(len(sessions))]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
            time.sleep(0.5)  # the access log is written after the response
            times = server.times()
            beranda, trivial = times.get("/app/", []), times.get("/bench/trivial/", [])
            figure(
                f"beranda, {MEMBERS} members at once, {label}",
                len(beranda),
                "requests",
                f"{len(failures)} failed; {len(beranda) / elapsed:.1f} beranda/s; "
                f"gunicorn {WORKERS} workers",
            )
            figure("  beranda median server time", statistics.median(beranda), "ms")
            figure(
                "  beranda p95 server time",
                _p95(beranda),
                "ms",
                f"target ≤ 50 ms; {_p95(beranda) / _p95(trivial):.1f} × the trivial view",
            )
            figure("  trivial view p95 server time (floor)", _p95(trivial), "ms")
    finally:
        server.stop()


def _collect_static() -> None:
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)


_TIMINGS = """() => new Promise(resolve => {
  new PerformanceObserver(list => {
    const entries = list.getEntries();
    const nav = performance.getEntriesByType("navigation")[0];
    resolve({lcp: entries[entries.length - 1].startTime, ttfb: nav.responseStart});
  }).observe({type: "largest-contentful-paint", buffered: true});
})"""


def _load(page: Any, url: str) -> dict[str, float]:
    """Open ``url`` and return its LCP and time to first byte (ms from navigation start)."""
    page.goto(url, wait_until="load")
    page.wait_for_timeout(300)
    return {k: float(v) for k, v in page.evaluate(_TIMINGS).items()}


def _first_load(
    browser: Any, cookies: list[dict[str, str]], url: str, heading: str = ""
) -> tuple[dict[str, float], dict[str, float], dict[str, str]]:
    """Open ``url`` in a fresh context (new connection, empty cache, no service worker) over
    the emulated slow link: its timings, and the bytes and type of each response."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="id-ID", service_workers="block"
    )
    context.add_cookies(cookies)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 150,
            "downloadThroughput": 1_600_000 / 8,
            "uploadThroughput": 750_000 / 8,
        },
    )
    kinds: dict[str, str] = {}
    sizes: dict[str, float] = {}
    cdp.on("Network.responseReceived", lambda e: kinds.__setitem__(e["requestId"], e["type"]))
    cdp.on(
        "Network.loadingFinished",
        lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]),
    )
    timings = _load(page, url)
    if heading:
        shown = page.locator("h1").inner_text()
        assert shown.startswith(heading), (page.url, shown)
    context.close()
    return timings, sizes, kinds


def bench_weight() -> None:
    from playwright.sync_api import sync_playwright

    _kop, logins = _members()
    _collect_static()
    server = Server()
    try:
        session = _signed_in(server.url, logins[0].phone)
        # The browser's first load, not the workers' first request: warm every worker first.
        for _ in range(4 * WORKERS):
            session.get(f"{server.url}/app/")
            session.get(f"{server.url}/bench/trivial/")
        cookies = [
            {"name": c.name, "value": c.value or "", "url": server.url} for c in session.cookies
        ]
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        with sync_playwright() as p:

            def fresh(url: str, heading: str = "") -> Any:
                # A browser of its own for each load: a later context of the same browser could
                # reuse the earlier one's connection, and the emulated latency then went unseen.
                browser = p.chromium.launch(
                    executable_path="/usr/bin/chromium",
                    headless=True,
                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
                )
                try:
                    return _first_load(browser, cookies, url, heading)
                finally:
                    browser.close()

            floor, _sizes, _kinds = fresh(f"{server.url}/bench/trivial/")
            beranda, sizes, kinds = fresh(f"{server.url}/app/", "Halo")
        total = sum(sizes.values()) / 1024
        script = sum(v for k, v in sizes.items() if kinds.get(k) == "Script") / 1024
        figure("beranda first load, transferred (compressed)", total, "KB", "target ≤ 100 KB")
        figure("  of which JavaScript", script, "KB", "target ≤ 40 KB")
        figure("  requests", len(sizes))
        figure(
            "  LCP at 150 ms RTT, 1.6 Mbps down",
            beranda["lcp"],
            "ms",
            f"target ≤ 2000 ms; {beranda['lcp'] / floor['lcp']:.2f} × the trivial view's LCP",
        )
        figure("  HTML first byte (TTFB)", beranda["ttfb"], "ms")
        figure(
            "  trivial view LCP, same link (floor)",
            floor["lcp"],
            "ms",
            f"TTFB {floor['ttfb']:.0f} ms; {load()}",
        )
    finally:
        server.stop()


PARTS = {"server": bench_server, "weight": bench_weight}


def run() -> None:
    bench_server()
    bench_weight()
