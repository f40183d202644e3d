"""Migration benchmark: a koperasi's legacy workbook of **100 000 members** (pokok, wajib and
sukarela on the members sheet) and **30 000 running loans**, planned (dry run) then committed.

Targets (issue 9): the dry run and the commit each at most 20 s on SQLite, peak memory (RSS)
under 1 GB. Each step runs in a child process of its own (forked once the database is ready),
whose ``ru_maxrss`` is its peak; the workbook is written by another child beforehand, so no step
carries the generator's memory. The baseline, measured in the same run, is the least any import
must do: the same rows read with calamine and inserted raw with ``executemany`` into a scratch
table of the same database. Times are printed with their ratio to it.

``python -m bench migration``; ``KOPDIG_BENCH_SCALE=0.1`` for a quick look.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import resource
import tempfile
import time
from typing import Any

from bench import figure, koperasi

SCALE = float(os.environ.get("KOPDIG_BENCH_SCALE", "1"))
MEMBERS = max(1_000, int(100_000 * SCALE))
LOANS = max(300, int(30_000 * SCALE))
ON = dt.date(2026, 12, 1)
TARGET_S = 20.0
TARGET_RSS_MB = 1024


def _nik(n: int) -> str:
    born = dt.date(1960, 1, 1) + dt.timedelta(days=n % 15_000)
    day = born.day + (40 if n % 2 else 0)
    return f"531505{day:02d}{born:%m%y}{n // 15_000 + 1:04d}"


def write_workbook(path: str) -> None:
    """The legacy workbook, written row by row (openpyxl's write-only mode)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    members = book.create_sheet("Anggota")
    members.append(["KOPERASI SIMPAN PINJAM BENCH"])
    members.append(["DAFTAR ANGGOTA PER 30 NOVEMBER 2026"])
    members.append([])
    members.append(
        ["No", "No. Anggota", "Nama Lengkap", "NIK", "Tgl Masuk", "No HP", "Simp. Pokok",
         "Simp. Wajib", "Simp. Sukarela"]
    )  # fmt: skip
    for n in range(1, MEMBERS + 1):
        members.append(
            [
                n, f"{n:06d}", f"Anggota Bench {n}", _nik(n),
                f"{1 + n % 28:02d}/{1 + n % 12:02d}/{2010 + n % 15}",
                f"0812{n:08d}", 100_000, 50_000 * (1 + n % 60), f"Rp {(n % 500) * 1000:,}",
            ]
        )  # fmt: skip
    loans = book.create_sheet("Pinjaman")
    loans.append(["DAFTAR PINJAMAN BEREDAR"])
    loans.append(
        ["No. Anggota", "No. Pinjaman", "Tgl Pencairan", "Plafon", "Jangka Waktu", "Bunga",
         "Metode", "Angsuran ke"]
    )  # fmt: skip
    for n in range(1, LOANS + 1):
        tenor = (12, 24, 36)[n % 3]
        disbursed = ON - dt.timedelta(days=40 + n % 300)
        months = (ON.year - disbursed.year) * 12 + ON.month - disbursed.month
        paid = max(0, min(tenor - 1, months - (3 if n % 10 == 0 else 0)))
        loans.append(
            [
                f"{n:06d}", f"PJ/{n:06d}", disbursed.strftime("%d/%m/%Y"),
                (1 + n % 20) * 1_000_000, tenor, "1,5", ("flat", "anuitas", "menurun")[n % 3],
                paid,
            ]
        )  # fmt: skip
    book.save(path)


def _in_child(target: Any, *args: Any) -> dict[str, float]:
    """Run ``target(*args)`` in a forked child; its own figures and peak RSS come back."""
    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    queue = context.Queue()

    def child() -> None:
        started, cpu = time.perf_counter(), time.process_time()
        figures = target(*args) or {}
        figures.setdefault("wall", time.perf_counter() - started)
        figures.setdefault("cpu", time.process_time() - cpu)
        figures["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        queue.put(figures)

    process = context.Process(target=child)
    process.start()
    figures = queue.get()
    process.join()
    return dict(figures)


def _baseline(path: str) -> dict[str, float]:
    """The same rows read with calamine and inserted raw with executemany."""
    from django.db import connection, transaction
    from python_calamine import CalamineWorkbook

    started, cpu = time.perf_counter(), time.process_time()
    book = CalamineWorkbook.from_path(path)
    with transaction.atomic(), connection.cursor() as cursor:
        for name, width in (("Anggota", 9), ("Pinjaman", 8)):
            table = f"bench_raw_{name.lower()}"
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            columns = ", ".join(f"c{i} TEXT" for i in range(width))
            cursor.execute(f"CREATE TABLE {table} ({columns})")
            marks = ", ".join(["%s"] * width)
            rows = [
                tuple(str(v) for v in (row + [""] * width)[:width])
                for row in book.get_sheet_by_name(name).iter_rows()
            ]
            for start in range(0, len(rows), 5000):
                cursor.executemany(
                    f"INSERT INTO {table} VALUES ({marks})",
                    rows[start : start + 5000],
                )
            cursor.execute(f"DROP TABLE {table}")
    return {"wall": time.perf_counter() - started, "cpu": time.process_time() - cpu}


def _step(code: str, path: str, dry_run: bool) -> dict[str, float]:
    from migration import services
    from registry.models import Koperasi

    target = Koperasi.objects.get(code=code)
    with open(path, "rb") as handle:
        source = handle.read()
    started, cpu = time.perf_counter(), time.process_time()
    if dry_run:
        result = services.plan(target, source, filename="bench.xlsx")
    else:
        result = services.commit(target, source, filename="bench.xlsx", actor=None)
    figures = {"wall": time.perf_counter() - started, "cpu": time.process_time() - cpu}
    figures["members"] = result.created.get("members", 0)
    figures["loans"] = result.created.get("loans", 0)
    figures["accounts"] = result.created.get("savings_accounts", 0)
    figures["rejected"] = result.rows_rejected
    figures["committed"] = float(result.committed)
    return figures


def run() -> None:
    folder = tempfile.mkdtemp(prefix="kopdig-bench-migration-")
    path = os.path.join(folder, "bench.xlsx")
    made = _in_child(write_workbook, path)
    size_mb = os.path.getsize(path) / 2**20
    print(
        f"  workbook: {MEMBERS} members, {LOANS} loans, {size_mb:.1f} MB "
        f"(written in {made['wall']:.1f} s)",
        flush=True,
    )
    koperasi("bench-migrasi", ON)
    base = _in_child(_baseline, path)
    figure(
        "baseline: calamine read + executemany insert",
        base["wall"],
        "s",
        f"cpu {base['cpu']:.1f} s",
    )
    for label, dry_run in (("dry run (plan)", True), ("commit", False)):
        step = _in_child(_step, "bench-migrasi", path, dry_run)
        ok = step["wall"] <= TARGET_S and step["rss_mb"] < TARGET_RSS_MB
        figure(
            f"{label}: wall",
            step["wall"],
            "s",
            f"{step['wall'] / base['wall']:.1f}× baseline; cpu {step['cpu']:.1f} s = "
            f"{step['cpu'] / base['cpu']:.1f}× baseline's; "
            f"target ≤ {TARGET_S:.0f} s: {'met' if step['wall'] <= TARGET_S else 'MISSED'}",
        )
        figure(
            f"{label}: peak RSS",
            step["rss_mb"],
            "MB",
            f"target < {TARGET_RSS_MB} MB: {'met' if step['rss_mb'] < TARGET_RSS_MB else 'MISSED'}",
        )
        print(
            f"  {label}: {int(step['members'])} members, {int(step['accounts'])} savings "
            f"accounts, {int(step['loans'])} loans, {int(step['rejected'])} rows rejected"
            f"{', committed' if step['committed'] else ''}{'' if ok else '  (target missed)'}",
            flush=True,
        )
