"""The kasir's counter under load, shared by the deposit (``bench/savings.py``) and repayment
(``bench/loans.py``) benchmarks: every kasir in their own thread, session and browser, posting
the counter's form; server time measured around Django's request handler.

:func:`kasir_run` runs the kasir; :func:`write_floor` measures, at the same concurrency, the
least any counter transaction costs (one row updated in a transaction, raw SQL), the floor the
counter's p95 is printed against.
"""

from __future__ import annotations

import random
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench import figure

# (kasir number, request number, the kasir's random source) → (url, form data)
RequestFor = Callable[[int, int, random.Random], tuple[str, dict[str, str]]]


@dataclass
class Run:
    """Server wall and CPU seconds per request (sorted), the elapsed time, the failures."""

    times: list[float]
    cpu: list[float]
    elapsed: float
    failures: int

    @property
    def p95_ms(self) -> float:
        return percentile(self.times, 0.95) * 1000


def percentile(sorted_values: list[float], share: float) -> float:
    return sorted_values[max(int(len(sorted_values) * share) - 1, 0)]


def kasir_client(user: Any, counter_url: str) -> Any:
    """A logged-in kasir's browser that has opened the counter (which sets the CSRF cookie)."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get(counter_url)
    return client


def post_form(client: Any, url: str, data: dict[str, str]) -> Any:
    """POST ``data`` as a browser posts the counter's form: urlencoded, with the CSRF token."""
    from urllib.parse import urlencode

    token = client.cookies["csrftoken"].value
    return client.post(
        url,
        urlencode({**data, "csrfmiddlewaretoken": token}),
        content_type="application/x-www-form-urlencoded",
    )


def kasir_run(
    users: list[Any],
    request_for: RequestFor,
    *,
    counter_url: str,
    each: int,
    think: tuple[float, float],
    tag: str,
    expect: int = 302,
    client: Callable[[Any], Any] | None = None,
) -> Run:
    """Every kasir posts ``each`` forms from its own thread (pausing ``think`` seconds, uniform,
    between them); a response other than ``expect`` is a failure.

    Server time is measured around Django's request handler (``ClientHandler``, the test
    client's twin of ``WSGIHandler``): from the WSGI environ in to the response out, which is
    what a WSGI server would log. Each request is what the kasir's browser sends: the form
    urlencoded, with its CSRF token (checked). The test client's own work (encoding the form,
    decoding the response) is left out. ``client(user)`` makes each kasir's browser (default
    :func:`kasir_client` on ``counter_url``)."""
    from django.db import connection
    from django.test.client import ClientHandler

    served = threading.local()
    handler_call = ClientHandler.__call__

    def timed(self: Any, environ: Any) -> Any:
        started, cpu_started = time.perf_counter(), time.thread_time()
        try:
            return handler_call(self, environ)
        finally:
            served.wall = time.perf_counter() - started
            served.cpu = time.thread_time() - cpu_started

    ClientHandler.__call__ = timed  # type: ignore[method-assign]

    times: list[float] = []
    cpu: list[float] = []
    failures: list[int] = []
    barrier = threading.Barrier(len(users))
    lock = threading.Lock()

    def kasir(n: int) -> None:
        browser = client(users[n]) if client else kasir_client(users[n], counter_url)
        rng = random.Random(f"{tag}{n}")
        walls, cpus = [], []
        barrier.wait()
        for i in range(each):
            if think[1]:
                time.sleep(rng.uniform(*think))
            url, data = request_for(n, i, rng)
            response = post_form(browser, url, data)
            walls.append(served.wall)
            cpus.append(served.cpu)
            if response.status_code != expect:
                with lock:
                    failures.append(response.status_code)
        with lock:
            times.extend(walls)
            cpu.extend(cpus)
        connection.close()

    threads = [threading.Thread(target=kasir, args=(n,)) for n in range(len(users))]
    started = time.perf_counter()
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        ClientHandler.__call__ = handler_call  # type: ignore[method-assign]
    return Run(sorted(times), sorted(cpu), time.perf_counter() - started, len(failures))


def write_floor(table: str, column: str, ids: list[int], *, threads: int, each: int) -> float:
    """p95 milliseconds of the least a counter transaction does, at the same concurrency:
    ``threads`` at once, each running ``each`` transactions that update one row of ``table``
    (``column = column``, raw SQL) and commit."""
    from django.db import connection, transaction

    times: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads)
    quote = connection.ops.quote_name
    # Names from the caller's model metadata, quoted; the id is a parameter.
    sql = f"UPDATE {quote(table)} SET {quote(column)} = {quote(column)} WHERE id = %s"

    def worker(n: int) -> None:
        mine = ids[n::threads] or ids
        walls = []
        barrier.wait()
        for i in range(each):
            started = time.perf_counter()
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [mine[i % len(mine)]])
            walls.append(time.perf_counter() - started)
        with lock:
            times.extend(walls)
        connection.close()

    for _round in ("warm-up (a checkpoint of what the setup wrote lands here)", "measured"):
        times.clear()
        barrier.reset()
        workers = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    return percentile(sorted(times), 0.95) * 1000


def report(label: str, run: Run, *, kasir: int, floor_ms: float, what: str) -> None:
    """Print a counter run: requests, median and p95 server time (target ≤ 50 ms, and its ratio
    to the floor), median CPU per request."""
    figure(
        f"{what}, {kasir} kasir at once, {label}",
        len(run.times),
        "requests",
        f"{run.failures} failed; {len(run.times) / run.elapsed:.1f} {what}s/s",
    )
    figure("  median server time", statistics.median(run.times) * 1000, "ms")
    figure(
        "  p95 server time",
        run.p95_ms,
        "ms",
        f"target ≤ 50 ms; {run.p95_ms / floor_ms:.1f} × the floor",
    )
    figure("  median CPU per request", statistics.median(run.cpu) * 1000, "ms")
