"""The report workbook for a large legacy file: 100 000 members, one row in ten rejected.

The figure is the time to write the report (the original sheet streamed again through the safe
reader, every row with its status and messages, the summary and the full problem list) against
a raw baseline measured in the same run: the same rows read with calamine and written back with
xlsxwriter's ``constant_memory`` mode, nothing added. Peak memory (RSS) is this process's.

``python -m bench migration_report``; ``KOPDIG_BENCH_SCALE=0.1`` for a quick look.
"""

from __future__ import annotations

import io
import os
import resource
from typing import Any

from bench import figure, timer

MEMBERS = 100_000


def workbook(count: int) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"constant_memory": True})
    sheet = book.add_worksheet("Anggota")
    sheet.write_row(0, 0, ["KOPERASI SIMPAN PINJAM BENCH"])
    sheet.write_row(2, 0, ["No. Anggota", "Nama", "NIK", "Tgl Masuk", "No HP", "Simp. Pokok",
                           "Simp. Wajib", "Simp. Sukarela"])  # fmt: skip
    for i in range(1, count + 1):
        joined = "31/02/2015" if i % 10 == 0 else "22/03/2015"  # one row in ten rejected
        sheet.write_row(2 + i, 0, [f"{i:06d}", f"Anggota {i}", "", joined, "081234567890",
                                   100000, 50000 * (i % 20), 10000 * (i % 7)])  # fmt: skip
    book.close()
    return out.getvalue()


def baseline(data: bytes) -> int:
    """The rows read with calamine and written with xlsxwriter, nothing else."""
    import xlsxwriter
    from python_calamine import CalamineWorkbook

    source = CalamineWorkbook.from_filelike(io.BytesIO(data))
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False})
    for name in source.sheet_names:
        sheet = book.add_worksheet(name)
        for r, row in enumerate(source.get_sheet_by_name(name).iter_rows()):
            sheet.write_row(r, 0, row)
    book.close()
    return len(out.getvalue())


def run() -> None:
    from migration.checks import check_book
    from migration.reading import read_workbook
    from migration.report import write_report

    count = int(MEMBERS * float(os.environ.get("KOPDIG_BENCH_SCALE", "1")))
    data = workbook(count)
    book = read_workbook(data, filename="anggota.xlsx")
    check_book(book)
    with timer() as raw:
        baseline(data)
    with timer() as made:
        report: Any = write_report(data, "anggota.xlsx", book)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figure("members in the file", count)
    figure("problems listed (none dropped)", book.problem_count)
    figure("raw baseline: read + write back", raw.wall, "s", f"cpu {raw.cpu:.1f} s")
    figure("report workbook", made.wall, "s", f"cpu {made.cpu:.1f} s, {len(report) / 2**20:.1f} MB")
    figure("report / baseline (cpu)", made.cpu / raw.cpu if raw.cpu else 0, "×")
    figure("peak RSS of the process", rss, "MB")
