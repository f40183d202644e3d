"""The migration's database side: plan, commit, repeat, revert, reconcile (issue 9).

Each test builds its legacy workbook in code (``tests/migration/legacy_books.py``): five members
with pokok, wajib and sukarela, two running loans (one on time, one six instalments behind) and
a trial balance that agrees with them, unless the test breaks something on purpose.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType

from core.spreadsheet import SpreadsheetError
from ledger import selectors as ledger_selectors
from ledger import services as ledger
from ledger.integrity import verify_chain, verify_subledgers
from ledger.models import JournalEntry, Posting
from loans.models import Instalment, Loan, LoanTransaction
from members.models import Member
from members.services import member_update
from migration import services
from migration.models import BatchStatus, MigrationBatch, MigrationRecord
from migration.reading import LIMITS
from migration.selectors import migration_history
from registry.models import DigitalStageChange, Koperasi
from savings.models import Account, Transaction
from tests.factories import KoperasiFactory
from tests.migration.legacy_books import ON, legacy_workbook, member_rows, savings_total
from tests.migration.workbooks import csv_bytes, xlsx

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def koperasi(db: Any) -> Koperasi:
    return KoperasiFactory.create(
        name="KSP Harapan Lama",
        code="harapan-lama",
        business_date=ON,
        digital_stage=Koperasi.Stage.PENDATAAN,
    )


def counts() -> dict[str, int]:
    """Rows of every table a migration writes to, besides its own."""
    from ledger.models import Account as LedgerAccount
    from loans.models import LoanProduct
    from savings.models import Product

    models: list[Any] = [
        Member, Account, Transaction, Loan, Instalment, LoanTransaction, JournalEntry, Posting,
        LedgerAccount, Product, LoanProduct, DigitalStageChange,
    ]  # fmt: skip
    return {m._meta.label: m.objects.count() for m in models}


def balances(koperasi: Koperasi) -> dict[str, Decimal]:
    """The trial balance by account code (debit-positive), zero rows left out."""
    return {
        row.account.code: row.balance
        for row in ledger_selectors.trial_balance(koperasi=koperasi)
        if row.balance
    }


def batch_of(result: services.MigrationResult) -> MigrationBatch:
    assert result.batch is not None
    return result.batch


def figures(result: services.MigrationResult) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
    return {f.name: (f.legacy_total, f.kopdig_total, f.difference) for f in result.reconciliation}


def test_a_plan_writes_nothing_and_shows_what_would_come_in(koperasi):
    before = counts()
    result = services.plan(koperasi, legacy_workbook(), filename="buku-lama.xlsx")
    assert counts() == before  # not even the chart of accounts
    assert result.dry_run and not result.committed
    assert result.created == {"members": 5, "savings_accounts": 15, "loans": 2, "entries": 3}
    assert result.batch is not None and result.batch.dry_run
    assert result.batch.status == BatchStatus.PLANNED
    ledger_lines = {line.code: (line.debit, line.credit) for line in result.ledger}
    # The opening entries per account: loans and cash in, savings and reserves against them.
    assert ledger_lines["1.1.03"] == (D("12000000"), D(0))
    assert ledger_lines["1.1.01"] == (D("5000000"), D(0))
    assert ledger_lines["3.1.02"] == (D(0), savings_total(5, "wajib"))
    assert all(diff == 0 for _legacy, _kopdig, diff in figures(result).values())
    assert result.exit_code == 0


def test_a_commit_brings_in_members_savings_loans_and_the_books(koperasi):
    result = services.commit(koperasi, legacy_workbook(), filename="buku-lama.xlsx", actor=None)
    assert result.committed and result.batch is not None
    assert result.batch.status == BatchStatus.COMMITTED and not result.batch.dry_run
    member = Member.objects.get(koperasi=koperasi, number="00003")
    assert member.full_name == "Anggota Lama 3" and member.phone == "+6281200000003"
    assert member.birth_date == dt.date(1973, 4, 4)  # read from the NIK: the sheet has none
    assert member.join_date == dt.date(2015, 1, 15)
    wajib = Account.objects.get(member=member, kind="wajib")
    assert wajib.balance == D("150000")
    assert Transaction.objects.filter(account=wajib).get().amount == D("150000")

    on_time = Loan.objects.get(koperasi=koperasi, number="PJ-001")
    assert on_time.outstanding_principal == D("6000000")
    assert on_time.kolektibilitas == "lancar" and on_time.days_past_due == 0
    # The schedule from the migration day: the six instalments still to pay, by their numbers.
    assert list(on_time.instalments.values_list("number", flat=True)) == [7, 8, 9, 10, 11, 12]
    assert on_time.instalments.get(number=7).due_date == dt.date(2027, 1, 1)
    behind = Loan.objects.get(koperasi=koperasi, number="PJ-002")
    # Four of ten paid; instalments 5–10 fell due 15 June–15 November: 169 days on 1 December.
    assert behind.outstanding_principal == D("6000000")
    assert behind.days_past_due == 169 and behind.kolektibilitas == "kurang_lancar"
    assert behind.maturity_date == dt.date(2026, 11, 15)
    overdue = behind.instalments.filter(due_date__lt=ON, paid_on__isnull=True)
    assert overdue.count() == 6 and overdue.order_by("number")[0].number == 5

    books = balances(koperasi)
    assert books["1.1.01"] == D("5000000")  # Kas, from the trial balance
    assert books["1.1.03"] == D("12000000")  # the loans' outstanding principal
    assert books["3.1.01"] == -savings_total(5, "pokok")
    assert "1.1.99" not in books and "1.1.98" not in books  # clearing empty, nothing in suspense
    assert all(check.ok for check in verify_subledgers(koperasi=koperasi))
    assert verify_chain(koperasi=koperasi).ok

    koperasi.refresh_from_db()
    assert koperasi.digital_stage == Koperasi.Stage.MIGRASI
    assert list(migration_history(koperasi=koperasi)) == [result.batch]
    assert MigrationRecord.objects.filter(batch=result.batch, kind="member").count() == 5


def test_a_later_stage_is_kept(koperasi):
    Koperasi.objects.filter(pk=koperasi.pk).update(digital_stage=Koperasi.Stage.DIGITAL)
    koperasi.refresh_from_db()
    services.commit(koperasi, legacy_workbook(), filename="buku-lama.xlsx", actor=None)
    koperasi.refresh_from_db()
    assert koperasi.digital_stage == Koperasi.Stage.DIGITAL


def test_the_same_file_again_creates_nothing(koperasi):
    data = legacy_workbook()
    services.commit(koperasi, data, filename="buku-lama.xlsx", actor=None)
    before = counts()
    again = services.commit(koperasi, data, filename="buku-lama.xlsx", actor=None)
    assert counts() == before
    assert again.nothing_new and not again.committed
    assert [s.rows_imported for s in again.sheets] == [0, 0, 0]
    assert set(again.statuses["Anggota"].values()) == {services.ALREADY}
    assert MigrationBatch.objects.filter(koperasi=koperasi, status="committed").count() == 1


def test_rejected_rows_refuse_the_commit_unless_partial_then_the_fixed_file_brings_only_them(
    koperasi,
):
    broken = legacy_workbook(broken={3: {"nik": ""}, 4: {"joined": "31/02/2019"}})
    before = counts()
    refused = services.commit(koperasi, broken, filename="buku-lama.xlsx", actor=None)
    assert not refused.committed and "2 baris ditolak" in refused.refused
    assert counts() == before
    assert refused.exit_code == 1
    codes = {(p.row, p.code) for p in refused.errors if p.sheet == "Anggota"}
    assert (7, "nik_required") in codes and (8, "date_invalid") in codes

    partial = services.commit(
        koperasi, broken, filename="buku-lama.xlsx", actor=None, accept_partial=True
    )
    assert partial.committed and partial.created["members"] == 3
    assert partial.statuses["Anggota"][7] == services.REJECTED
    # The two members' savings are missing: the legacy trial balance shows it, and the
    # difference waits in the suspense account, not absorbed anywhere.
    legacy, kopdig, diff = figures(partial)["simpanan_wajib"]
    assert legacy == savings_total(5, "wajib") and diff == -D(50000 * 3 + 50000 * 4)
    suspense = figures(partial)["selisih_migrasi"][1]
    assert suspense != 0 and balances(koperasi)["1.1.98"] == suspense
    snapshot = balances(koperasi)

    fixed = services.commit(koperasi, legacy_workbook(), filename="buku-lama.xlsx", actor=None)
    assert fixed.committed
    assert fixed.created == {"members": 2, "savings_accounts": 6, "loans": 0, "entries": 2}
    assert sorted(
        row for row, status in fixed.statuses["Anggota"].items() if status == services.IMPORTED
    ) == [7, 8]
    assert Member.objects.filter(koperasi=koperasi).count() == 5
    assert "1.1.98" not in balances(koperasi)  # nothing left in suspense
    assert all(f.difference == 0 for f in fixed.reconciliation)

    services.revert(batch_of(fixed), actor=None)
    assert balances(koperasi) == snapshot  # the books exactly as before the second batch
    assert Member.objects.filter(koperasi=koperasi, status="aktif").count() == 3
    assert not Account.objects.filter(koperasi=koperasi, status="aktif", member__number="00003")
    assert all(check.ok for check in verify_subledgers(koperasi=koperasi))


def test_revert_restores_the_books_and_the_members_come_back_with_a_new_import(koperasi):
    data = legacy_workbook()
    result = services.commit(koperasi, data, filename="buku-lama.xlsx", actor=None)
    batch = batch_of(result)
    services.revert(batch, actor=None)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.REVERTED and batch.reverted_at
    assert balances(koperasi) == {}  # every entry reversed
    assert not Member.objects.filter(koperasi=koperasi, status="aktif").exists()
    assert not Loan.objects.filter(koperasi=koperasi).exists()
    assert not Account.objects.filter(koperasi=koperasi, status="aktif").exists()
    assert all(check.ok for check in verify_subledgers(koperasi=koperasi))
    with pytest.raises(services.MigrationError):
        services.revert(batch, actor=None)

    again = services.commit(koperasi, data, filename="buku-lama.xlsx", actor=None)
    assert again.committed and again.created["members"] == 5
    assert Member.objects.filter(koperasi=koperasi, status="aktif").count() == 5
    assert balances(koperasi)["1.1.03"] == D("12000000")


def test_the_dinas_figures_follow_an_import_and_its_revert(koperasi):
    """The district's figures of the koperasi are kept, not scanned: an import (and its
    revert) brings them up to date at once, not at the next close of business."""
    from dashboard.selectors import figures_of

    # A koperasi already counted as digital (one still migrating shows its reported figures).
    Koperasi.objects.filter(pk=koperasi.pk).update(digital_stage=Koperasi.Stage.DIGITAL)
    result = services.commit(koperasi, legacy_workbook(), filename="buku-lama.xlsx", actor=None)
    shown = figures_of(koperasi)
    assert shown is not None and shown.members == 5
    services.revert(batch_of(result), actor=None)
    shown = figures_of(koperasi)
    assert shown is not None and shown.members == 0


def test_a_migration_entry_is_undone_only_with_its_whole_batch(koperasi, pengurus):
    """The ledger's generic reversal of one opening entry would leave the members' accounts
    and loans as the import made them: refused, naming the page that undoes the batch."""
    from ledger.models import JournalEntry
    from ledger.services import LedgerError, reverse

    services.commit(koperasi, legacy_workbook(), filename="buku-lama.xlsx", actor=None)
    before = balances(koperasi)
    for entry in JournalEntry.objects.filter(koperasi=koperasi, kind__startswith="migration."):
        with pytest.raises(LedgerError, match="Migrasi data"):
            reverse(entry=entry, actor=pengurus)
    assert balances(koperasi) == before


def test_revert_is_refused_once_something_else_touched_its_records(koperasi, pengurus):
    result = services.commit(koperasi, legacy_workbook(), filename="buku-lama.xlsx", actor=None)
    member = Member.objects.get(koperasi=koperasi, number="00001")
    member_update(member=member, actor=pengurus, address="Jl. Soekarno Hatta, Labuan Bajo")
    before = counts()
    with pytest.raises(services.MigrationError) as refused:
        services.revert(batch_of(result), actor=pengurus)
    assert "sudah diubah" in refused.value.messages[0]
    assert counts() == before


def test_an_unbalanced_legacy_trial_balance_is_caught_and_held_in_suspense(koperasi):
    result = services.commit(
        koperasi, legacy_workbook(off_by=D(1000)), filename="buku-lama.xlsx", actor=None
    )
    found = figures(result)
    assert found["jumlah_debit"][0] - found["jumlah_kredit"][0] == D(1000)  # legacy side
    assert found["debit_minus_kredit"] == (D(1000), D(0), D(-1000))
    assert abs(found["selisih_migrasi"][1]) == D(1000)
    assert abs(balances(koperasi)["1.1.98"]) == D(1000)
    assert sum(balances(koperasi).values()) == 0  # Kopdig's own books still balance


def test_cross_sheet_problems_reject_their_rows(koperasi):
    data = legacy_workbook(
        extra_loans=[
            ["09999", "PJ-009", "01/03/2026", 5000000, 10, "1,5", "flat", 3000000, 0],
            ["00003", "PJ-001", "01/03/2026", 5000000, 10, "1,5", "flat", 3000000, 0],
            ["00004", "PJ-010", "01/03/2026", 5000000, 10, "1,5", "flat", 3000000, 250000],
            ["00005", "PJ-011", "01/03/2026", 5000000, 10, "1,5", "flat", 0, 0],
        ]
    )
    result = services.plan(koperasi, data, filename="buku-lama.xlsx")
    loans = {p.row: p.code for p in result.errors if p.sheet == "Pinjaman"}
    assert loans == {
        5: "unknown_member",
        6: "duplicate_loan",
        7: "arrears_mismatch",
        8: "loan_paid_off",
    }
    arrears = next(p for p in result.errors if p.code == "arrears_mismatch")
    assert "Rp2.000.000" in arrears.message  # instalments 5–8 of 500.000, by the schedule
    assert result.created["loans"] == 2


def test_a_member_already_in_kopdig_or_a_taken_nik_is_rejected(koperasi):
    services.commit(koperasi, xlsx({"A": member_rows(2)}), filename="a.xlsx", actor=None)
    nik_of_1 = Member.objects.get(koperasi=koperasi, number="00001").nik
    rows = member_rows(3, broken={3: {"nik": nik_of_1}})
    result = services.plan(koperasi, xlsx({"A": rows}), filename="b.xlsx")
    assert {(p.row, p.code) for p in result.errors} == {(7, "duplicate_nik")}
    assert result.statuses["A"] == {5: "already", 6: "already", 7: "rejected"}
    # Without member 1 in the file, the NIK is found in Kopdig's own register.
    alone = [*rows[:4], rows[6]]
    result = services.plan(koperasi, xlsx({"A": alone}), filename="c.xlsx")
    assert {(p.row, p.code) for p in result.errors} == {(5, "nik_exists")}
    assert "00001" in result.errors[0].message


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (b"", "kosong.xlsx", ""),
        (b"PK\x03\x04 bukan zip", "rusak.xlsx", ""),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
            + b"\x00" * 504
            + "EncryptedPackage".encode("utf-16-le")
            + b"\x00" * 1000,
            "sandi.xlsx",
            "kata sandi",
        ),
        (
            "No. Anggota;Nama\r\n1;Agustinus\r\n".encode("utf-16"),
            "anggota.csv",
            "UTF-16",
        ),
        (b"x" * (LIMITS.max_bytes + 1), "besar.csv", "terlalu besar"),
    ],
)
def test_a_bad_file_gets_a_clear_message_and_writes_nothing(koperasi, data, name, words):
    before = counts()
    batches = MigrationBatch.objects.count()
    with pytest.raises(SpreadsheetError) as refused:
        services.commit(koperasi, data, filename=name, actor=None)
    assert refused.value.messages[0]
    assert words.lower() in refused.value.messages[0].lower()
    assert counts() == before and MigrationBatch.objects.count() == batches


def test_a_koperasi_with_books_of_its_own_is_refused(koperasi):
    ledger.chart_setup(koperasi=koperasi, actor=None)
    kas = ledger_selectors.account_for_role(koperasi=koperasi, role="kas")
    bank = ledger_selectors.account_for_role(koperasi=koperasi, role="bank")
    ledger.post(
        koperasi=koperasi,
        lines=[ledger.Line(kas, debit=D(1000)), ledger.Line(bank, credit=D(1000))],
        kind="manual",
        memo="Setor tunai",
        actor=None,
    )
    with pytest.raises(services.MigrationError) as refused:
        services.plan(koperasi, legacy_workbook(), filename="buku-lama.xlsx")
    assert "sudah mencatat transaksi" in refused.value.messages[0]


def test_a_csv_members_file_with_a_saved_mapping(koperasi, pengurus):
    rows = [["Kode", "Nama Anggota", "KTP"], ["A-1", "Yohanes Jehaut", "5315012208900001"]]
    saved = services.mapping_save(
        koperasi=koperasi,
        name="Buku induk",
        kinds={"CSV": "members"},
        mappings={"CSV": {"number": "Kode", "name": "Nama Anggota", "nik": "KTP"}},
        actor=pengurus,
    )
    kinds, mappings = services.mapping_parse(saved.as_file())
    result = services.commit(
        koperasi,
        csv_bytes(rows),
        filename="anggota.csv",
        actor=pengurus,
        kinds=kinds,
        mappings=mappings,
    )
    assert result.committed
    member = Member.objects.get(koperasi=koperasi, number="A-1")
    assert member.nik == "5315012208900001" and member.gender == "L"
    assert result.batch is not None and result.batch.actor == pengurus


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"{not json", "bukan JSON"),
        (b'{"kinds": {"A": "hewan"}}', "tidak dikenal"),
        (b'{"kinds": {"A": "members"}, "mappings": {"A": {"warna": "X"}}}', "tidak ada"),
    ],
)
def test_a_bad_mapping_file_is_named(content, words):
    with pytest.raises(services.MappingError) as refused:
        services.mapping_parse(content)
    assert words in refused.value.messages[0]


def test_progress_is_reported_as_the_rows_go(koperasi):
    calls: list[tuple[int, int, str]] = []
    services.plan(
        koperasi,
        legacy_workbook(),
        filename="buku-lama.xlsx",
        progress=lambda done, total, label: calls.append((done, total, label)),
    )
    assert len(calls) > 5
    assert calls[-1][0] == calls[-1][1]  # finished at 100%
    assert all(done <= total for done, total, _label in calls)
    assert ContentType.objects.get_for_model(Member)  # records name their objects by type


def test_a_commit_that_fails_half_way_leaves_nothing_and_running_it_again_finishes(
    koperasi, monkeypatch
):
    """One transaction per batch: a failure after the members and savings were written (as a
    killed process would leave it) takes everything back; the same file then comes in whole."""
    from migration.services import importing

    def killed(**kwargs: Any) -> list[int]:
        raise RuntimeError("proses dihentikan")

    data = legacy_workbook()
    before = counts()
    monkeypatch.setattr(importing, "loans_migrate", killed)
    with pytest.raises(RuntimeError):
        services.commit(koperasi, data, filename="buku-lama.xlsx", actor=None)
    assert counts() == before and not MigrationRecord.objects.exists()
    monkeypatch.undo()
    again = services.commit(koperasi, data, filename="buku-lama.xlsx", actor=None)
    assert again.committed and again.created["members"] == 5 and again.created["loans"] == 2
