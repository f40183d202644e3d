"""A commit killed with SIGKILL while it writes leaves nothing half-imported, and running it
again finishes the job (issue 9, item 12).

The import runs as a person runs it, ``manage.py migration import FILE --koperasi CODE``, in
its own process, on a database file it shares with the test (SQLite: the test's database copied
to a file; PostgreSQL: the test database itself). Its progress bar (stderr on a terminal: a
pseudo-terminal here) says when it has started writing; then it is killed. A commit is one
transaction per batch (``migration.services.importing``), so the contract is: no batch, member,
account, loan, entry or record of it is visible, the books verify, and the same command again
brings everything in.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import pty
import select
import signal
import sqlite3
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from openpyxl import Workbook

from registry.models import Koperasi
from tests.factories import KoperasiFactory, make_nik
from tests.migration.legacy_books import ON

MEMBERS = 20_000
LOANS = 4_000
CODE = "ksp-terputus"


def write_workbook(path: Path) -> None:
    book = Workbook(write_only=True)
    members = book.create_sheet("Anggota")
    members.append(["No. Anggota", "Nama Lengkap", "NIK", "Tgl Masuk", "Simp. Pokok",
                    "Simp. Wajib", "Simp. Sukarela"])  # fmt: skip
    for n in range(1, MEMBERS + 1):
        born = dt.date(1960, 1, 1) + dt.timedelta(days=n % 15_000)
        members.append(
            [f"{n:06d}", f"Anggota {n}", make_nik(born, "L" if n % 2 else "P", n // 15_000 + n),
             "15/01/2015", 100_000, 50_000 * (1 + n % 20), 1_000 * (n % 300)]
        )  # fmt: skip
    loans = book.create_sheet("Pinjaman")
    loans.append(["No. Anggota", "No. Pinjaman", "Tgl Pencairan", "Plafon", "Jangka Waktu",
                  "Bunga", "Metode", "Angsuran Ke"])  # fmt: skip
    for n in range(1, LOANS + 1):
        loans.append([f"{n:06d}", f"PJ/{n:05d}", "01/06/2026", 12_000_000, 12, "1,5", "flat", 5])
    book.save(path)


def manage_env(tmp_path: Path) -> dict[str, str]:
    """The environment a ``manage.py`` process needs to share this test's database."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["TERM"] = "xterm"
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        # The test database lives in memory: copied to the file a process of its own opens.
        target = sqlite3.connect(tmp_path / "kopdig.sqlite3")
        connection.ensure_connection()
        connection.connection.backup(target)
        target.close()
        env["KOPDIG_DATA_DIR"] = str(tmp_path)
    else:
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    return env


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


COUNT = """
import json
from ledger.models import JournalEntry
from loans.models import Instalment, Loan
from members.models import Member
from migration.models import MigrationBatch, MigrationRecord
from savings.models import Account, Transaction
k = {"koperasi__code": "@CODE@"}
print(json.dumps({
    "members": Member.objects.filter(**k).count(),
    "savings_accounts": Account.objects.filter(**k).count(),
    "savings_movements": Transaction.objects.filter(**k).count(),
    "loans": Loan.objects.filter(**k).count(),
    "instalments": Instalment.objects.filter(loan__koperasi__code="@CODE@").count(),
    "entries": JournalEntry.objects.filter(**k).count(),
    "batches": MigrationBatch.objects.filter(**k).exclude(status="planned").count(),
    "records": MigrationRecord.objects.filter(**k).count(),
}))
""".replace("@CODE@", CODE)


def counts(env: dict[str, str]) -> dict[str, int]:
    done = manage(env, "shell", "-c", COUNT)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def kill_while_writing(env: dict[str, str], workbook: Path) -> str:
    """Start the import on a pseudo-terminal, SIGKILL it once its bar says it is writing
    savings accounts (its members already inserted, inside the transaction); the bar's text."""
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "migration", "import", str(workbook), "--koperasi", CODE],
        cwd=settings.BASE_DIR,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=slave,
    )
    os.close(slave)
    seen = ""
    deadline = time.monotonic() + 600  # a guard against a hang, not a timing assertion
    try:
        while "Menulis rekening simpanan" not in seen:
            assert process.poll() is None, f"the import ended before writing: {seen[-300:]}"
            assert time.monotonic() < deadline, seen[-300:]
            ready, _w, _x = select.select([master], [], [], 1.0)
            if ready:
                seen += os.read(master, 4096).decode(errors="replace")
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
        os.close(master)
    assert process.returncode == -signal.SIGKILL
    return seen


@pytest.mark.django_db(transaction=True)
def test_an_import_killed_while_writing_leaves_nothing_and_running_it_again_finishes(
    tmp_path: Path,
) -> None:
    KoperasiFactory.create(
        name="KSP Terputus", code=CODE, business_date=ON, digital_stage=Koperasi.Stage.PENDATAAN
    )
    workbook = tmp_path / "buku-lama.xlsx"
    write_workbook(workbook)
    env = manage_env(tmp_path)
    empty = counts(env)
    assert empty == dict.fromkeys(empty, 0)

    bar = kill_while_writing(env, workbook)
    assert "Menulis anggota" in bar  # members were being written when it died
    # Nothing of the batch is visible: not a member, an account, a loan, an entry, a record.
    assert counts(env) == empty
    verified = manage(env, "ledger", "verify", "--koperasi", CODE)
    assert verified.returncode == 0, verified.stdout + verified.stderr

    again = manage(env, "migration", "import", str(workbook), "--koperasi", CODE, "--json")
    assert again.returncode == 0, again.stderr
    result: dict[str, Any] = json.loads(again.stdout)
    assert result["committed"] and result["errors"] == []
    assert all(Decimal(f["difference"]) == 0 for f in result["reconciliation"].values())
    after = counts(env)
    assert after["members"] == MEMBERS and after["loans"] == LOANS
    assert after["savings_accounts"] == 3 * MEMBERS  # pokok, wajib, sukarela each
    assert after["batches"] == 1
    verified = manage(env, "ledger", "verify", "--koperasi", CODE)
    assert verified.returncode == 0, verified.stdout + verified.stderr
