"""Uploads: a counter deposit's p95 while a large payroll file is being checked.

The issue saw a 2,9 MB CSV parsed for 44 s inside a write transaction: SQLite's write lock was
held all that time and a kasir's deposit failed with "database is locked" after 20 s. Here a
pengurus uploads a payroll file of 20 000 rows (1,2 MB, most rows wrong, so every error path
runs) through the page, again and again, from **another process** (as another web worker would)
while 4 kasir deposit through theirs (``bench/savings.py``'s harness: server time measured
around Django's request handler). The figure is the deposits' p95 with the uploads running,
against their p95 without them, measured in the same run on the same koperasi; and, for
comparison, with the file checked inside one write transaction as before (on SQLite the
deposits then wait for the whole check, or fail after the 20 s busy timeout).

``python -m bench uploads``; ``KOPDIG_BENCH_SCALE=0.2`` for a quick look.
"""

from __future__ import annotations

import logging
import multiprocessing
import random
import statistics
import time
from typing import Any

import bench.savings as kasir_bench
from bench import figure, timer
from bench.savings import _kasir_run, _koperasi, _populate, _products

KASIR = 4
MEMBERS = 2000
FILE_ROWS = 20_000
THINK = (0.1, 0.4)  # seconds a kasir waits between deposits


def payroll_file(numbers: list[str]) -> bytes:
    """20 000 rows by 10 amount columns: the koperasi's members, then numbers it does not know."""
    header = "nomor_anggota;nama" + ";SW;SS" * 5 + "\n"
    rows = []
    for i in range(FILE_ROWS):
        number = numbers[i] if i < len(numbers) else f"LUAR{i:06d}"
        rows.append(f"{number};Karyawan {i}" + ";50.000;25.000" * 5 + "\n")
    return (header + "".join(rows)).encode()


def _uploader(
    koperasi_code: str,
    user_pk: int,
    content: bytes,
    started: Any,
    stop: Any,
    seconds: Any,
    one_transaction: bool,
) -> None:
    """In a child process: upload the file through the page until told to stop. With
    ``one_transaction`` the check runs inside one write transaction, as before this change."""
    from django.db import transaction

    from savings import services

    if one_transaction:
        services.payroll_preview = transaction.atomic(services.payroll_preview)
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(get_user_model().objects.get(pk=user_pk))
    url = reverse("savings:payroll", kwargs={"kode": koperasi_code})
    while not stop.is_set():
        upload = SimpleUploadedFile("gaji-besar.csv", content, content_type="text/csv")
        started.set()
        begun = time.perf_counter()
        response = client.post(url, {"file": upload, "via": "bank", "value_date": "2026-01-31"})
        if response.status_code != 302:
            raise SystemExit(f"upload answered {response.status_code}")
        seconds.append(time.perf_counter() - begun)


def bench_deposit_while_uploading() -> None:
    from django.db import connections

    from members.models import Member
    from registry.models import Role
    from savings import services
    from savings.models import Account
    from tests.factories import UserFactory, grant

    koperasi = _koperasi("bench-unggah")
    products = _products(koperasi)
    _populate(koperasi, products, MEMBERS, random.Random(11))
    sukarela = list(
        Account.objects.filter(koperasi=koperasi, kind="sukarela").values_list("pk", flat=True)
    )
    users = []
    for n in range(KASIR):
        user = UserFactory.create(username=f"bench-unggah-kasir-{n}")
        grant(user, Role.KASIR, koperasi)
        services.cashier_open(koperasi=koperasi, kasir=user, count=5_000_000, actor=user)
        users.append(user)
    pengurus = UserFactory.create(username="bench-unggah-pengurus")
    grant(pengurus, Role.PENGURUS, koperasi)
    numbers = list(
        Member.objects.filter(koperasi=koperasi).order_by("number").values_list("number", flat=True)
    )
    content = payroll_file(numbers)

    # A deposit that fails ("database is locked") is counted as a 500, not raised in the thread.
    def tolerant_client(user: Any, koperasi: Any) -> Any:
        client = kasir_client(user, koperasi)
        client.raise_request_exception = False
        return client

    kasir_client = kasir_bench._kasir_client
    deposits_each = kasir_bench.DEPOSITS_EACH
    kasir_bench._kasir_client = tolerant_client
    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    quiet, _cpu, _elapsed, failed_quiet = _kasir_run(koperasi, users, sukarela, THINK, "sepi")

    def p95(times: list[float]) -> float:
        return times[max(int(len(times) * 0.95) - 1, 0)] * 1000 if times else 0.0

    figure(
        f"deposit p95, {KASIR} kasir, no upload (baseline)",
        p95(quiet),
        "ms",
        f"median {statistics.median(quiet) * 1000:.0f} ms; {len(quiet)} deposits, "
        f"{failed_quiet} failed",
    )
    for label, one_transaction, tag in (
        ("file checked meanwhile", False, "unggah"),
        ("same, in one write transaction (old)", True, "lama"),
    ):
        connections.close_all()  # the child must not share this process's connections
        context = multiprocessing.get_context("fork")
        manager = context.Manager()
        started, stop, seconds = manager.Event(), manager.Event(), manager.list()
        child = context.Process(
            target=_uploader,
            args=(koperasi.code, pengurus.pk, content, started, stop, seconds, one_transaction),
        )
        child.start()
        # The old way makes each deposit wait for a whole check: 10 each are enough to show it.
        kasir_bench.DEPOSITS_EACH = min(deposits_each, 10) if one_transaction else deposits_each
        try:
            started.wait(60)
            with timer() as busy_time:
                busy, _cpu, _elapsed, failed = _kasir_run(koperasi, users, sukarela, THINK, tag)
        finally:
            stop.set()
            child.join()
        uploads = list(seconds)
        manager.shutdown()
        figure(
            f"deposit p95, {KASIR} kasir, {label}",
            p95(busy),
            "ms",
            f"{p95(busy) / p95(quiet):.2f} × baseline; median "
            f"{statistics.median(busy) * 1000:.0f} ms; {len(busy)} deposits, {failed} failed",
        )
        figure(
            f"  payroll file: {FILE_ROWS} rows, {len(content) / 1024 / 1024:.1f} MB",
            statistics.median(uploads) if uploads else 0,
            "s to check",
            f"{len(uploads)} uploads during the kasir's {busy_time.wall:.0f} s",
        )


PARTS = {"deposit": bench_deposit_while_uploading}


def run() -> None:
    bench_deposit_while_uploading()
