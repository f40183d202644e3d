"""Running test jobs at the same moment, each thread with its own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction


def at_once(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run the jobs in threads released together (a barrier); return each job's result or the
    exception it raised, in order. Each thread closes its connection when done."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(i: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[i] = job()
        except Exception as exc:  # handed back to the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def errors_of(results: list[Any]) -> list[Exception]:
    return [r for r in results if isinstance(r, Exception)]


@contextmanager
def held_by_another(work: Callable[[], Any]) -> Iterator[None]:
    """Run ``work`` in another thread, in a transaction that stays open (its locks held) for
    as long as the ``with`` block runs; it commits when the block ends."""
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                work()
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(10), "the other thread never got its locks"
        yield
    finally:
        release.set()
        holder.join()
