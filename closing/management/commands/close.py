"""``kopdig close --koperasi CODE --to YYYY-MM-DD`` / ``kopdig close --all --to YYYY-MM-DD``:
the close of business, day by day up to the date, in the foreground (the same job the page
hands to the worker). A progress bar on a terminal, a line per day otherwise.

Exit status: 0 all closed; 1 bad input or a close refused or stopped; 3 closed, but some
accounts or loans failed (listed; rerun them from the tutup buku page)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from closing import services
from closing.models import CloseFailure, CloseJob, JobStatus
from registry.models import Koperasi

BAR = 24


class Command(BaseCommand):
    help = "Tutup buku harian: jalankan langkah tutup hari sampai tanggal tertentu."

    def add_arguments(self, parser: CommandParser) -> None:
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--koperasi", help="Kode singkat koperasi.")
        who.add_argument(
            "--all", action="store_true", help="Semua koperasi yang bukunya di Kopdig."
        )
        parser.add_argument("--to", required=True, help="Tutup sampai tanggal ini, YYYY-MM-DD.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            to = dt.date.fromisoformat(options["to"])
        except ValueError:
            raise CommandError(f"“{options['to']}” bukan tanggal YYYY-MM-DD.") from None
        self.tty = self.stdout.isatty()
        if options["koperasi"]:
            koperasi = Koperasi.objects.filter(code=options["koperasi"]).first()
            if koperasi is None:
                raise CommandError(f"Koperasi dengan kode “{options['koperasi']}” tidak ada.")
            targets = [koperasi]
        else:
            targets = services.koperasi_on_kopdig()
            if not targets:
                raise CommandError("Belum ada koperasi yang bukunya di Kopdig.")
        worst = 0
        for koperasi in targets:
            worst = max(worst, self._close(koperasi, to, many=bool(options["all"])))
        if worst == 3:
            raise CommandError(
                "Ada rekening/pinjaman yang gagal diproses; "
                "jalankan ulang dari halaman tutup buku.",
                returncode=3,
            )
        if worst:
            raise CommandError("Tutup buku tidak selesai untuk semua koperasi.", returncode=1)

    def _close(self, koperasi: Koperasi, to: dt.date, *, many: bool) -> int:
        prefix = f"{koperasi.code}: " if many else ""
        try:
            job = services.close_to(koperasi=koperasi, to=to, actor=None, progress=self._progress)
        except services.ClosingError as exc:
            message = " ".join(exc.messages)
            if many and exc.code == "past":
                self.stdout.write(f"{prefix}dilewati — {message}")
                return 0
            if not many:
                raise CommandError(message) from exc
            self.stderr.write(f"{prefix}{message}")
            return 1
        if self.tty:
            self.stdout.write("\r" + " " * 79 + "\r", ending="")
        return self._report(job, prefix)

    def _report(self, job: CloseJob, prefix: str) -> int:
        if job.status == JobStatus.TERHENTI:
            self.stderr.write(f"{prefix}{job.error}")
            return 1
        if job.days_total == 0:
            self.stdout.write(
                f"{prefix}Tanggal {job.to_date:%d/%m/%Y} sudah ditutup; tidak ada yang berubah."
            )
            return 0
        self.stdout.write(
            self.style.SUCCESS(
                f"{prefix}{job.days_done} hari ditutup sampai {job.to_date:%d/%m/%Y}; "
                f"tanggal buku sekarang {job.to_date + dt.timedelta(days=1):%d/%m/%Y}."
            )
        )
        if job.status == JobStatus.GAGAL_SEBAGIAN:
            failures = CloseFailure.objects.filter(
                step_run__run__job=job, resolved_at__isnull=True
            ).select_related("step_run__run")
            for f in failures:
                self.stdout.write(
                    f"{prefix}  gagal {f.step_run.run.day:%d/%m/%Y} · {f.step_run.label} · "
                    f"{f.object_label or f'#{f.object_id}'}: {f.message}"
                )
            return 3
        return 0

    def _progress(self, p: services.Progress) -> None:
        if self.tty:
            total = max(p.days_total, 1)
            frac = (p.days_done + (p.steps_done / p.steps_total if p.steps_total else 0)) / total
            filled = int(BAR * min(frac, 1))
            line = (
                f"\r{p.koperasi.code} [{'#' * filled}{'-' * (BAR - filled)}] "
                f"{min(p.days_done + 1, total)}/{total} hari · {p.day:%d/%m/%Y} · {p.step}"
            )
            self.stdout.write(line[:79].ljust(79), ending="")
            self.stdout.flush()
        elif not p.step:
            self.stdout.write(
                f"{p.koperasi.code} {p.day:%d/%m/%Y} ditutup ({p.days_done}/{p.days_total})"
            )
