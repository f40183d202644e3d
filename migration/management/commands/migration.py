"""``kopdig migration import FILE --koperasi CODE [--dry-run] [--mapping FILE] [--report OUT.xlsx]
[--json] [--accept-partial]``: a legacy workbook into a koperasi, over the same services as the
wizard.

Exit status: 0 when no row was rejected, 1 when rows were rejected (the import is then refused
unless ``--accept-partial``), 2 when the file could not be read (or the koperasi cannot take a
migration). On a terminal a progress bar runs on stderr; ``--json`` prints one JSON object and
nothing else on stdout.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, TextIO, cast

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from core.money import format_rupiah
from core.spreadsheet import SpreadsheetError
from migration import services
from migration.reading import LIMITS
from registry.models import Koperasi

ERRORS_SHOWN = 50


class ProgressBar:
    """A one-line bar on a terminal: ``[#######.......]  47% Menulis anggota``."""

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self.last = (-1, "")

    def __call__(self, done: int, total: int, label: str) -> None:
        pct = int(100 * done / total) if total else 0
        if (pct, label) == self.last:
            return
        self.last = (pct, label)
        filled = self.width * pct // 100
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r[{bar}] {pct:3d}% {label[:40]:<40}")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "Migrasi data: impor berkas buku lama (xlsx, xls, ods, csv) ke satu koperasi."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser(
            "import", help="Periksa (uji coba) atau impor satu berkas buku lama ke satu koperasi."
        )
        imp.add_argument("file", help="berkas .xlsx, .xls, .ods atau .csv")
        imp.add_argument("--koperasi", required=True, help="kode koperasi")
        imp.add_argument(
            "--dry-run", action="store_true", help="hanya rencana: tidak ada yang ditulis"
        )
        imp.add_argument("--mapping", help="berkas pemetaan kolom (JSON) yang disimpan")
        imp.add_argument("--report", help="tulis laporan per baris ke berkas .xlsx ini")
        imp.add_argument("--json", action="store_true", help="cetak hasil sebagai satu objek JSON")
        imp.add_argument(
            "--accept-partial",
            action="store_true",
            help="impor baris yang benar walaupun ada baris yang ditolak",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            koperasi = Koperasi.objects.get(code=options["koperasi"])
        except Koperasi.DoesNotExist:
            raise CommandError(
                _("Koperasi dengan kode %(kode)s tidak ada.") % {"kode": options["koperasi"]},
                returncode=2,
            ) from None
        code = self._import(koperasi, options)
        if code:
            sys.exit(code)

    def _fail(self, message: str, as_json: bool) -> int:
        if as_json:
            self.stdout.write(json.dumps({"error": message}, ensure_ascii=False))
        else:
            self.stderr.write(message)
        return 2

    def _import(self, koperasi: Koperasi, options: dict[str, Any]) -> int:
        path = Path(options["file"])
        as_json = bool(options["json"])
        try:
            size = path.stat().st_size
        except OSError:
            return self._fail(_("Berkas %(f)s tidak dapat dibuka.") % {"f": path}, as_json)
        if size > LIMITS.max_bytes:
            return self._fail(
                _("Berkas %(f)s terlalu besar (%(n)s MB); paling besar %(max)s MB.")
                % {"f": path.name, "n": size // 2**20, "max": LIMITS.max_bytes // 2**20},
                as_json,
            )
        kinds = mappings = None
        if options.get("mapping"):
            try:
                kinds, mappings = services.mapping_parse(Path(options["mapping"]).read_bytes())
            except OSError:
                return self._fail(
                    _("Berkas pemetaan %(f)s tidak dapat dibuka.") % {"f": options["mapping"]},
                    as_json,
                )
            except services.MappingError as exc:
                return self._fail(" ".join(exc.messages), as_json)
        source = path.read_bytes()
        bar = None
        if not as_json and _is_tty(self.stderr):
            bar = ProgressBar(cast(TextIO, getattr(self.stderr, "_out", sys.stderr)))
        run = services.plan if options["dry_run"] else services.commit
        extra = {} if options["dry_run"] else {"actor": None}
        try:
            result = run(
                koperasi,
                source,
                filename=path.name,
                mappings=mappings,
                kinds=kinds,
                accept_partial=bool(options["accept_partial"]),
                progress=bar,
                **extra,
            )
        except SpreadsheetError as exc:
            if bar:
                bar.close()
            return self._fail(
                _("Berkas %(f)s tidak dapat dibaca: %(m)s")
                % {"f": path.name, "m": " ".join(exc.messages)},
                as_json,
            )
        except ValidationError as exc:
            if bar:
                bar.close()
            return self._fail(" ".join(exc.messages), as_json)
        if bar:
            bar.close()
        report_note = self._report(source, path.name, result, options.get("report"))
        if as_json:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
        else:
            self._summary(koperasi, result)
            if report_note:
                self.stdout.write(report_note)
        return result.exit_code

    def _report(self, source: bytes, filename: str, result: Any, out: str | None) -> str:
        if not out:
            return ""
        try:
            from migration.report import write_report  # type: ignore[attr-defined]
        except ImportError:
            return _("Laporan per baris belum tersedia di instalasi ini; --report dilewati.")
        Path(out).write_bytes(write_report(source, filename, result))
        return _("Laporan per baris ditulis ke %(f)s.") % {"f": out}

    def _summary(self, koperasi: Koperasi, result: services.MigrationResult) -> None:
        write = self.stdout.write
        title = (
            _("Rencana migrasi (uji coba, tidak ada yang ditulis)")
            if result.dry_run
            else (_("Migrasi"))
        )
        write(f"{title}: {result.filename} → {koperasi.name} ({koperasi.code})")
        for sheet in result.sheets:
            write(
                _(
                    "  Lembar “%(s)s” (%(k)s, judul di baris %(h)s): %(r)s baris dibaca, "
                    "%(i)s diimpor, %(x)s ditolak"
                )
                % {
                    "s": sheet.name,
                    "k": sheet.kind,
                    "h": sheet.header_row or "-",
                    "r": sheet.rows_read,
                    "i": sheet.rows_imported,
                    "x": sheet.rows_rejected,
                }
            )
        created = result.created
        write(
            _("Dibuat: %(m)s anggota, %(a)s rekening simpanan, %(l)s pinjaman, %(e)s jurnal.")
            % {
                "m": created.get("members", 0),
                "a": created.get("savings_accounts", 0),
                "l": created.get("loans", 0),
                "e": created.get("entries", 0),
            }
        )
        if result.ledger:
            write(_("Jurnal saldo awal per akun:"))
            for line in result.ledger:
                write(
                    f"  {line.code:<8} {line.name[:40]:<40} "
                    f"{format_rupiah(line.debit) if line.debit else '':>18} "
                    f"{format_rupiah(line.credit) if line.credit else '':>18}"
                )
        if result.reconciliation:
            write(_("Rekonsiliasi (buku lama → Kopdig, selisih):"))
            for figure in result.reconciliation:
                mark = "OK" if figure.difference == 0 else "SELISIH"
                write(
                    f"  {mark:<7} {figure.label}: {format_rupiah(figure.legacy_total)} → "
                    f"{format_rupiah(figure.kopdig_total)} ({format_rupiah(figure.difference)})"
                )
        if result.errors:
            write(_("Masalah (%(n)s):") % {"n": result.error_count})
            for problem in result.errors[:ERRORS_SHOWN]:
                where = _("baris %(r)s") % {"r": problem.row} if problem.row else ""
                column = f", {problem.column}" if problem.column else ""
                value = f" [{problem.value}]" if problem.value else ""
                write(f"  {problem.sheet} {where}{column}: {problem.message}{value}")
            if result.error_count > ERRORS_SHOWN:
                write(
                    _("  … dan %(n)s lagi (lihat laporan --report).")
                    % {"n": result.error_count - ERRORS_SHOWN}
                )
        if result.committed:
            assert result.batch is not None
            write(_("Selesai: batch %(b)s diimpor.") % {"b": result.batch.pk})
        elif result.refused:
            write(result.refused)
        elif result.nothing_new:
            write(_("Tidak ada yang baru: semua baris sudah diimpor sebelumnya."))
        elif result.dry_run:
            write(_("Uji coba selesai; jalankan tanpa --dry-run untuk mengimpor."))


def _is_tty(stream: Any) -> bool:
    out = getattr(stream, "_out", stream)
    isatty = getattr(out, "isatty", None)
    return bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"
