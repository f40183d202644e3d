"""``kopdig ledger verify|export-beancount|setup-chart --koperasi CODE``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.money import format_rupiah
from ledger import services
from ledger.integrity import (
    beancount_text,
    verify_chain,
    verify_chain_head,
    verify_period_balances,
    verify_running_balances,
    verify_subledgers,
)
from registry.models import Koperasi


class Command(BaseCommand):
    help = "Buku besar: periksa rantai hash, ekspor ke beancount, siapkan bagan akun."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser(
            "verify",
            help="Periksa rantai hash jurnal, ujung rantai dan saldo penutupan satu koperasi.",
        )
        verify.add_argument("--koperasi", required=True, help="kode koperasi")
        export = sub.add_parser("export-beancount", help="Tulis buku dalam format beancount.")
        export.add_argument("--koperasi", required=True, help="kode koperasi")
        export.add_argument("-o", "--output", required=True, help="berkas tujuan")
        export.add_argument("--as-of", help="sampai tanggal (YYYY-MM-DD); baku: semua")
        setup = sub.add_parser("setup-chart", help="Buat bagan akun KSP dan peran akun.")
        setup.add_argument("--koperasi", required=True, help="kode koperasi")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            koperasi = Koperasi.objects.get(code=options["koperasi"])
        except Koperasi.DoesNotExist:
            raise CommandError(
                _("Koperasi dengan kode %(kode)s tidak ada.") % {"kode": options["koperasi"]}
            ) from None
        action = options["action"]
        if action == "verify":
            self._verify(koperasi)
        elif action == "export-beancount":
            self._export(koperasi, options["output"], options.get("as_of"))
        elif action == "setup-chart":
            services.chart_setup(koperasi=koperasi, actor=None)
            self.stdout.write(_("Bagan akun %(kode)s siap.") % {"kode": koperasi.code})

    def _verify(self, koperasi: Koperasi) -> None:
        """Each check is its own section of the output; any failure ends with a non-zero exit
        after every section has been printed."""
        failures = [
            failure
            for failure in (
                self._verify_chain(koperasi),
                self._verify_running_line(koperasi),
                self._verify_subledgers(koperasi),
            )
            if failure
        ]
        if failures:
            raise CommandError("\n".join(failures))

    def _verify_subledgers(self, koperasi: Koperasi) -> str:
        """Sub-ledgers against their control accounts; returns the failure line, if any."""
        checks = verify_subledgers(koperasi=koperasi)
        wrong = [c for c in checks if not c.ok]
        if not wrong:
            self.stdout.write(
                ngettext(
                    "OK %(kode)s: Buku pembantu cocok dengan %(n)d akun kontrol.",
                    "OK %(kode)s: Buku pembantu cocok dengan %(n)d akun kontrol.",
                    len(checks),
                )
                % {"kode": koperasi.code, "n": len(checks)}
            )
            return ""
        for check in wrong:
            self.stdout.write(
                _(
                    "SELISIH %(kode)s: akun %(akun)s: buku besar %(buku)s, %(label)s %(sub)s, "
                    "selisih %(selisih)s"
                )
                % {
                    "kode": koperasi.code,
                    "akun": check.account,
                    "buku": format_rupiah(check.ledger_balance, sen=True),
                    "label": check.label,
                    "sub": format_rupiah(check.subledger_total, sen=True),
                    "selisih": format_rupiah(check.difference, sen=True),
                }
            )
        return ngettext(
            "SELISIH %(kode)s: %(n)d akun kontrol tidak cocok dengan buku pembantunya.",
            "SELISIH %(kode)s: %(n)d akun kontrol tidak cocok dengan buku pembantunya.",
            len(wrong),
        ) % {"kode": koperasi.code, "n": len(wrong)}

    def _verify_chain(self, koperasi: Koperasi) -> str:
        """The hash chain; returns the failure line, if any."""
        report = verify_chain(koperasi=koperasi)
        problems = []
        if not report.ok:
            entry = report.entry
            where = (
                _("jurnal %(nomor)s (id %(id)d, urutan %(urutan)d)")
                % {"nomor": entry.number, "id": entry.pk, "urutan": entry.chain_index}
                if entry is not None
                else _("ujung rantai")
            )
            problems.append(
                ngettext(
                    "%(di)s: %(alasan)s (%(n)d jurnal sebelumnya utuh)",
                    "%(di)s: %(alasan)s (%(n)d jurnal sebelumnya utuh)",
                    report.checked,
                )
                % {"di": where, "alasan": report.reason, "n": report.checked}
            )
        # Each check below reports every difference it finds, not only the first.
        problems += verify_chain_head(koperasi=koperasi)
        problems += verify_period_balances(koperasi=koperasi)
        if problems:
            return "\n".join(
                _("RUSAK %(kode)s: %(masalah)s") % {"kode": koperasi.code, "masalah": problem}
                for problem in problems
            )
        self.stdout.write(
            ngettext(
                "OK %(kode)s: %(n)d jurnal, rantai hash utuh.",
                "OK %(kode)s: %(n)d jurnal, rantai hash utuh.",
                report.checked,
            )
            % {"kode": koperasi.code, "n": report.checked}
        )
        return ""

    def _verify_running_line(self, koperasi: Koperasi) -> str:
        if self._verify_running(koperasi):
            return ""
        return _("RUSAK %(kode)s: mutasi bulanan akun tidak sama dengan postingnya.") % {
            "kode": koperasi.code
        }

    def _verify_running(self, koperasi: Koperasi) -> bool:
        """The month totals balances are read from, against the postings; each difference to
        the sen on its own line."""
        report = verify_running_balances(koperasi=koperasi)
        if report.ok:
            self.stdout.write(
                ngettext(
                    "OK %(kode)s: mutasi bulanan %(n)d akun-bulan sama dengan postingnya.",
                    "OK %(kode)s: mutasi bulanan %(n)d akun-bulan sama dengan postingnya.",
                    report.checked,
                )
                % {"kode": koperasi.code, "n": report.checked}
            )
            return True
        for d in report.differences:
            self.stderr.write(
                _(
                    "SELISIH %(kode)s: akun %(akun)s bulan %(bulan)s: tercatat %(tercatat)s, "
                    "posting %(posting)s, selisih %(selisih)s"
                )
                % {
                    "kode": koperasi.code,
                    "akun": d.account,
                    "bulan": d.month.strftime("%m/%Y"),
                    "tercatat": format_rupiah(d.stored, sen=True),
                    "posting": format_rupiah(d.posted, sen=True),
                    "selisih": format_rupiah(d.difference, sen=True),
                }
            )
        return False

    def _export(self, koperasi: Koperasi, output: str, as_of: str | None) -> None:
        day = None
        if as_of:
            try:
                day = dt.date.fromisoformat(as_of)
            except ValueError:
                raise CommandError(
                    _("Tanggal %(tgl)s tidak sah; tulis YYYY-MM-DD.") % {"tgl": as_of}
                ) from None
        with open(output, "w", encoding="utf-8") as out:
            for line in beancount_text(koperasi=koperasi, as_of=day):
                out.write(line + "\n")
        self.stdout.write(
            _("Buku %(kode)s ditulis ke %(berkas)s.") % {"kode": koperasi.code, "berkas": output}
        )
