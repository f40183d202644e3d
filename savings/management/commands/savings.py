"""``kopdig savings month-end --koperasi CODE --date YYYY-MM-DD``: the savings month end
(maturities, wajib billing, interest, tax) for one koperasi; running it again posts nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core import money
from registry.models import Koperasi
from savings import services


class Command(BaseCommand):
    help = "Perintah simpanan. Sub-perintah: month-end (langkah akhir bulan simpanan)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        month_end = sub.add_parser(
            "month-end",
            help="Jatuh tempo berjangka, tagihan wajib, bunga dan PPh final untuk satu koperasi.",
        )
        month_end.add_argument("--koperasi", required=True, help="Kode singkat koperasi.")
        month_end.add_argument(
            "--date", required=True, help="Tanggal akhir bulan, YYYY-MM-DD (misalnya 2026-01-31)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "month-end":
            self._month_end(options["koperasi"], options["date"])

    def _month_end(self, code: str, date_text: str) -> None:
        koperasi = Koperasi.objects.filter(code=code).first()
        if koperasi is None:
            raise CommandError(f"Koperasi dengan kode “{code}” tidak ada.")
        try:
            on = dt.date.fromisoformat(date_text)
        except ValueError:
            raise CommandError(f"“{date_text}” bukan tanggal YYYY-MM-DD.") from None
        try:
            results = services.month_end(koperasi=koperasi, on=on, actor=None)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        for r in results:
            state = "sudah pernah, tidak diposting lagi" if r.done_before else "selesai"
            entry = f", jurnal {r.entry.number}" if r.entry else ""
            self.stdout.write(
                f"- {r.label}: {r.count} baris, {money.format_rupiah(r.total, sen=True)}"
                f"{entry} ({state})"
            )
        if all(r.done_before for r in results):
            self.stdout.write("Akhir bulan ini sudah diproses; tidak ada yang berubah.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Akhir bulan {on:%d/%m/%Y} selesai."))
