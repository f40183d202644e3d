"""``kopdig close``: output, progress, exit codes."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from registry.models import Koperasi
from tests.factories import KoperasiFactory

pytestmark = pytest.mark.django_db


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def run(*args: str, out: io.StringIO | None = None) -> tuple[str, str]:
    out = out or io.StringIO()
    err = io.StringIO()
    call_command("close", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_closes_to_a_date_with_a_line_per_day(books: Koperasi, fakes: Any) -> None:
    out, _err = run("--koperasi", books.code, "--to", "2025-01-28")
    assert "sinar-bajo 27/01/2025 ditutup (1/2)" in out
    assert "sinar-bajo 28/01/2025 ditutup (2/2)" in out
    assert "2 hari ditutup sampai 28/01/2025; tanggal buku sekarang 29/01/2025." in out
    again, _err = run("--koperasi", books.code, "--to", "2025-01-28")
    assert "Tanggal 28/01/2025 sudah ditutup; tidak ada yang berubah." in again


def test_a_progress_bar_on_a_terminal(books: Koperasi, fakes: Any) -> None:
    out, _err = run("--koperasi", books.code, "--to", "2025-01-28", out=Tty())
    assert "\rsinar-bajo [" in out and "#" in out and "2/2 hari" in out
    assert "ditutup (1/2)" not in out  # no plain lines on a terminal


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--koperasi", "tidak-ada", "--to", "2025-01-28"),
            "Koperasi dengan kode “tidak-ada” tidak ada.",
        ),
        (("--koperasi", "sinar-bajo", "--to", "28-01-2025"), "bukan tanggal YYYY-MM-DD"),
        (("--koperasi", "sinar-bajo", "--to", "2025-01-20"), "sebelum tanggal buku 27/01/2025"),
        (("--koperasi", "sinar-bajo", "--to", "2999-01-01"), "belum tiba"),
    ],
)
def test_bad_input_exits_non_zero(
    books: Koperasi, fakes: Any, args: tuple[str, ...], message: str
) -> None:
    with pytest.raises(CommandError, match=message) as exc:
        run(*args)
    assert exc.value.returncode == 1
    assert fakes.CALLS == []


def test_failed_accounts_are_listed_and_exit_3(books: Koperasi, fakes: Any) -> None:
    fakes.FAILING["denda"] = {13}
    out = io.StringIO()
    with pytest.raises(CommandError, match="gagal diproses") as exc:
        run("--koperasi", books.code, "--to", "2025-01-27", out=out)
    assert exc.value.returncode == 3
    assert "gagal 27/01/2025 · Denda · #13: denda gagal untuk 13" in out.getvalue()


def test_a_stopped_close_exits_1(books: Koperasi, fakes: Any) -> None:
    fakes.BROKEN["accrue"] = RuntimeError("rusak")
    err = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command(
            "close",
            "--koperasi",
            books.code,
            "--to",
            "2025-01-27",
            stdout=io.StringIO(),
            stderr=err,
        )
    assert exc.value.returncode == 1
    assert "terhenti pada langkah “Akrual”: RuntimeError: rusak" in err.getvalue()


def test_all_closes_every_koperasi_with_books(books: Koperasi, fakes: Any, pengurus: Any) -> None:
    from ledger import services as ledger

    other = KoperasiFactory.create(
        name="Kopdit Lain", code="kopdit-lain", business_date=dt.date(2025, 1, 28)
    )
    ledger.chart_setup(koperasi=other, actor=pengurus)
    KoperasiFactory.create(
        name="Belum Digital", code="belum-digital", business_date=dt.date(2025, 1, 1)
    )
    out, _err = run("--all", "--to", "2025-01-28")
    assert "kopdit-lain: 1 hari ditutup sampai 28/01/2025" in out
    assert "sinar-bajo: 2 hari ditutup sampai 28/01/2025" in out
    assert "belum-digital" not in out
    books.refresh_from_db()
    other.refresh_from_db()
    assert books.business_date == other.business_date == dt.date(2025, 1, 29)


def test_all_skips_a_koperasi_already_past_the_date(books: Koperasi, fakes: Any) -> None:
    out, _err = run("--all", "--to", "2025-01-20")
    assert "sinar-bajo: dilewati" in out
