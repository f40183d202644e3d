"""The members' app: beranda's server time under gunicorn, and its weight and LCP on a slow phone.

1. ``portal.server``: **20 members at once**, each signed in on their own connection, open
   beranda (``GET /app/``) again and again against gunicorn (several worker processes, the
   production server of ``make demo``), each request followed by one to a trivial Django view
   (``bench/_portal_urls.py``: the same middleware and session, no query of its own). Server
   time is gunicorn's own per-request time (``%(D)s`` in its access log). Target: beranda p95
   at most 50 ms, reported with its ratio to the trivial view's p95 measured in the same run.
   Two runs: members who read (0.5–2 s between screens) and saturation (no pause).
2. ``portal.weight``: beranda in Chromium at 360×740 over a slow mobile link (Lighthouse's
   mobile "slow 4G": 150 ms RTT, 1.6 Mbps down, 750 kbps up, one link shared by all the
   browser's connections) emulated by a throttling TCP proxy between Chromium and gunicorn
   (``bench/_throttle.py``; CDP's network emulation was not reliably applied). The proxy is
   calibrated in the same run: a new connection's first byte from the trivial view (at least
   two round trips: set-up and request) and a static file of known size (about
   size / bandwidth). Then the first load in a cold browser profile: bytes transferred
   (compressed, as on the wire) in all and of JavaScript, and the Largest Contentful Paint;
   and a repeat load in the same profile with its service worker and cache, from a new browser.
   Targets: ≤ 100 KB, ≤ 40 KB of JS, LCP ≤ 2 s. Static files are collected first (hashed,
   precompressed), as in production.

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

# The service worker installed and its shell cached (what a repeat visit reads from the phone).
_SW_READY = """async () => {
  const reg = await navigator.serviceWorker.ready;
  for (let i = 0; i < 100 && !navigator.serviceWorker.controller; i++) {
    await new Promise(r => setTimeout(r, 100));
  }
  const cache = await caches.open("kopdig-app-static-v1");
  for (let i = 0; i < 100 && (await cache.keys()).length < 2; i++) {
    await new Promise(r => setTimeout(r, 100));
  }
  return {active: !!reg.active, controlled: !!navigator.serviceWorker.controller,
          cached: (await cache.keys()).length};
}"""

CALIBRATION_BYTES = 200_000  # a static file of random bytes: 1.0 s at 1.6 Mbps


def _calibration_file() -> str:
    """A static file of known size that no compression shrinks, collected before the server
    starts (whitenoise indexes the static files when it starts); its URL path."""
    from django.conf import settings

    folder = Path(settings.STATIC_ROOT) / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "calibration.bin").write_bytes(random.Random(7).randbytes(CALIBRATION_BYTES))
    return f"{settings.STATIC_URL.rstrip('/')}/bench/calibration.bin".replace("//", "/")


def _timed_get(url: str, path: str) -> tuple[float, float, int]:
    """One GET on a new connection: seconds to the first byte of the answer (from before the
    connection was opened), seconds from that first byte to the last, and the body's size."""
    import http.client
    from urllib.parse import urlsplit

    host = urlsplit(url)
    started = time.perf_counter()
    conn = http.client.HTTPConnection(host.hostname or "127.0.0.1", host.port, timeout=60)
    conn.request("GET", path, headers={"Accept-Encoding": "identity"})
    response = conn.getresponse()  # returns once the status line and headers have arrived
    first = time.perf_counter()
    body = response.read()
    last = time.perf_counter()
    conn.close()
    assert response.status == 200, (path, response.status)
    return first - started, last - first, len(body)


def _load(page: Any, url: str) -> dict[str, float]:
    """Open ``url`` and return its LCP and time to first byte (ms from navigation start)."""
    page.goto(url, wait_until="load")
    page.wait_for_timeout(300)
    return {k: float(v) for k, v in page.evaluate(_TIMINGS).items()}


class _Bytes:
    """The bytes and type of each response a page received, from Chromium's own counters (CDP,
    which here only observes: the link itself is the throttling proxy)."""

    def __init__(self, context: Any, page: Any) -> None:
        self.kinds: dict[str, str] = {}
        self.sizes: dict[str, float] = {}
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.loadingFinished", self._finished)

    def _response(self, event: dict[str, Any]) -> None:
        self.kinds[event["requestId"]] = event["type"]

    def _finished(self, event: dict[str, Any]) -> None:
        self.sizes[event["requestId"]] = event["encodedDataLength"]

    def total(self, kind: str = "") -> float:
        return sum(v for k, v in self.sizes.items() if not kind or self.kinds.get(k) == kind)


def bench_weight() -> None:
    """The beranda over a slow mobile link emulated by a throttling proxy (bench/_throttle.py):
    calibration first (a new connection's first byte, a file of known size), then a first load
    in a cold browser profile and a repeat load with that profile's service worker and cache."""
    from playwright.sync_api import sync_playwright

    from bench._throttle import SLOW_4G, SlowLink

    _kop, logins = _members()
    _collect_static()
    calibration = _calibration_file()
    server = Server()
    profile = SLOW_4G
    rtt_ms = profile.rtt * 1000
    try:
        session = _signed_in(server.url, logins[0].phone)
        # The browser's first load, not a worker's first request: warm every worker first, each
        # request on a new connection (a kept-alive one stays with the worker that took it, and
        # a cold worker's first answers took over a second on the shared machine).
        for _ in range(8 * WORKERS):
            for path in ("/app/", "/bench/trivial/"):
                session.get(f"{server.url}{path}", headers={"Connection": "close"})
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        with SlowLink(server.port, profile) as link, sync_playwright() as p:
            cookies = [
                {"name": c.name, "value": c.value or "", "url": link.url} for c in session.cookies
            ]
            print(
                f"  link: {profile.name}, {rtt_ms:.0f} ms RTT, {profile.down / 1e6:g} Mbps down, "
                f"{profile.up / 1e3:g} kbps up, shared by all connections; throttling TCP proxy "
                f"(no CDP throttling)",
                flush=True,
            )
            # Calibration: the proxy holds the bytes back as it should. Three tries, each on a
            # new connection, with the server's own time for each from its access log.
            server.reset_log()
            tries = sorted(_timed_get(link.url, "/bench/trivial/")[0] * 1000 for _ in range(3))
            time.sleep(0.5)  # the access log is written after the response
            served = server.times().get("/bench/trivial/", [0.0])
            figure(
                "calibration: trivial view first byte, new connection",
                tries[1],
                "ms",
                f"median of 3, {tries[0]:.0f}–{tries[-1]:.0f} ms; {tries[1] / rtt_ms:.2f} × RTT; "
                f"expected ≥ 2 × RTT (set-up + request); server time ≤ {max(served):.1f} ms",
            )
            first, rest, size = _timed_get(link.url, calibration)
            expected = size * 8 / profile.down
            figure(
                f"calibration: {size / 1000:.0f} kB static file, first to last byte",
                rest * 1000,
                "ms",
                f"{rest / expected:.2f} × size/bandwidth ({expected * 1000:.0f} ms); "
                f"first byte {first * 1000:.0f} ms",
            )

            def launch(folder: str) -> Any:
                return p.chromium.launch_persistent_context(
                    folder,
                    executable_path="/usr/bin/chromium",
                    headless=True,
                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
                    viewport={"width": 360, "height": 740},
                    locale="id-ID",
                    service_workers="allow",
                )

            with tempfile.TemporaryDirectory(prefix="kopdig-bench-chromium-") as folder:
                context = launch(folder)  # a cold profile: no cache, no service worker
                context.add_cookies(cookies)
                page = context.pages[0] if context.pages else context.new_page()
                floor = _load(page, f"{link.url}/bench/trivial/")
                context.close()
            with tempfile.TemporaryDirectory(prefix="kopdig-bench-chromium-") as folder:
                context = launch(folder)  # another cold profile, for the beranda
                context.add_cookies(cookies)
                page = context.pages[0] if context.pages else context.new_page()
                counted = _Bytes(context, page)
                before = link.down.bytes
                server.reset_log()
                beranda = _load(page, f"{link.url}/app/")
                over_link = link.down.bytes - before
                time.sleep(0.5)
                beranda_served = server.times().get("/app/", [0.0])[0]
                shown = page.locator("h1").inner_text()
                assert shown.startswith("Halo"), (page.url, shown)
                sw = page.evaluate(_SW_READY)
                context.close()
                # The member opens the app again later: the same profile, a new browser, the
                # service worker and its cache from the first visit, new connections.
                context = launch(folder)
                context.add_cookies(cookies)
                page = context.pages[0] if context.pages else context.new_page()
                before = link.down.bytes
                again = _load(page, f"{link.url}/app/")
                again_link = link.down.bytes - before
                shown = page.locator("h1").inner_text()
                assert shown.startswith("Halo"), (page.url, shown)
                context.close()
        total = counted.total() / 1024
        script = counted.total("Script") / 1024
        figure("beranda first load, transferred (compressed)", total, "KB", "target ≤ 100 KB")
        figure("  of which JavaScript", script, "KB", "target ≤ 40 KB")
        figure("  requests", len(counted.sizes))
        figure("  bytes down the link during the load", over_link / 1024, "KB", "the proxy's count")
        figure(
            f"  LCP, cold profile, {rtt_ms:.0f} ms RTT, {profile.down / 1e6:g} Mbps down",
            beranda["lcp"],
            "ms",
            f"target ≤ 2000 ms; {beranda['lcp'] / floor['lcp']:.2f} × the trivial view's LCP",
        )
        figure(
            "  HTML first byte (TTFB)",
            beranda["ttfb"],
            "ms",
            f"{beranda['ttfb'] / rtt_ms:.2f} × RTT; server time {beranda_served:.1f} ms",
        )
        figure(
            "  trivial view, cold profile: first byte (TTFB)",
            floor["ttfb"],
            "ms",
            f"{floor['ttfb'] / rtt_ms:.2f} × RTT; calibration: must be ≥ 1 × RTT",
        )
        figure("  trivial view LCP, same link (floor)", floor["lcp"], "ms", load())
        figure(
            "beranda repeat load (service worker + cache), LCP",
            again["lcp"],
            "ms",
            f"{again['lcp'] / beranda['lcp']:.2f} × the first load; service worker "
            f"{'controlling' if sw['controlled'] else 'NOT controlling'}, {sw['cached']} files "
            f"cached",
        )
        figure("  repeat load HTML first byte (TTFB)", again["ttfb"], "ms")
        figure("  repeat load, bytes down the link", again_link / 1024, "KB")
        figure("  connections the browser opened through the link", link.connections)
    finally:
        server.stop()


PARTS = {"server": bench_server, "weight": bench_weight}


def run() -> None:
    bench_server()
    bench_weight()
