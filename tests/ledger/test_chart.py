"""The chart of accounts: the KSP template, roles, and what the pengurus may edit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.models import AuditEvent
from ledger.models import Account, RoleMapping
from ledger.selectors import account_for_role
from ledger.services import (
    LedgerError,
    Line,
    account_create,
    account_update,
    chart_setup,
    post,
    role_map,
)


def test_template_gives_every_role_an_account(books):
    kas = account_for_role(koperasi=books, role="kas")
    assert (kas.code, kas.name, kas.klass, kas.normal_side) == ("1.1.01", "Kas", "aset", "debit")
    assert kas.parent is not None and kas.parent.code == "1.1"
    assert account_for_role(koperasi=books, role="penyisihan_pinjaman").normal_side == "kredit"
    assert account_for_role(koperasi=books, role="simpanan_wajib").klass == "ekuitas"
    assert account_for_role(koperasi=books, role="simpanan_sukarela").klass == "liabilitas"
    # The KSP roles, with loans' accrued interest (1.1.05) and recovery income (4.1.05), and
    # the migration's suspense account (1.1.98).
    assert RoleMapping.objects.filter(koperasi=books).count() == 24
    suspense = account_for_role(koperasi=books, role="selisih_migrasi")
    assert (suspense.code, suspense.name) == ("1.1.98", "Selisih Migrasi")


def test_setup_is_idempotent_and_keeps_the_pengurus_changes(books, pengurus):
    kas = account_for_role(koperasi=books, role="kas")
    account_update(account=kas, actor=pengurus, name="Kas Besar")
    before = Account.objects.filter(koperasi=books).count()
    chart_setup(koperasi=books, actor=pengurus)
    assert Account.objects.filter(koperasi=books).count() == before
    kas.refresh_from_db()
    assert kas.name == "Kas Besar"


def test_a_product_role_falls_back_to_the_plain_role(books, pengurus):
    plain = account_for_role(koperasi=books, role="simpanan_sukarela")
    assert account_for_role(koperasi=books, role="simpanan_sukarela:SIBUHAR") == plain
    own = account_create(
        koperasi=books,
        actor=pengurus,
        code="2.1.11",
        name="Tabungan Pendidikan",
        klass="liabilitas",
        normal_side="kredit",
        parent=Account.objects.get(koperasi=books, code="2.1"),
    )
    role_map(koperasi=books, role="simpanan_sukarela:SIDIK", account=own, actor=pengurus)
    assert account_for_role(koperasi=books, role="simpanan_sukarela:SIDIK") == own
    assert AuditEvent.objects.filter(action="ledger.role_map").exists()


def test_unknown_or_unmapped_roles_are_named(books, other_koperasi, pengurus):
    with pytest.raises(LedgerError, match="belum dipetakan"):
        account_for_role(koperasi=other_koperasi, role="kas")
    with pytest.raises(LedgerError, match="tidak dikenal"):
        role_map(
            koperasi=books,
            role="rekening_rahasia",
            account=account_for_role(koperasi=books, role="kas"),
            actor=pengurus,
        )


def test_role_cannot_point_at_another_koperasis_account(books, other_books, pengurus):
    theirs = account_for_role(koperasi=other_books, role="kas")
    with pytest.raises(LedgerError, match="koperasi lain"):
        role_map(koperasi=books, role="kas", account=theirs, actor=pengurus)
    assert account_for_role(koperasi=books, role="kas").koperasi == books


def test_new_account_checks(books, pengurus):
    aset = Account.objects.get(koperasi=books, code="1.1")
    cases = [
        (dict(code="1.1.01", name="Kas Kecil"), "sudah dipakai"),
        (dict(code="1-1-07", name="Kas Kecil"), "angka bertitik"),
        (dict(code="1.1.07", name=" "), "Nama akun"),
        (dict(code="1.1.07", name="Kas Kecil", klass="aktiva"), "Golongan"),
        (dict(code="1.1.07", name="Kas Kecil", normal_side="kiri"), "debit atau kredit"),
        (dict(code="4.9.01", name="Salah", klass="pendapatan", normal_side="kredit"), "sama"),
    ]
    for changes, message in cases:
        kwargs = dict(klass="aset", normal_side="debit", parent=aset) | changes
        with pytest.raises(LedgerError, match=message):
            account_create(koperasi=books, actor=pengurus, **kwargs)  # type: ignore[arg-type]
    assert not Account.objects.filter(koperasi=books, name__in=["Kas Kecil", "Salah"]).exists()
    kecil = account_create(
        koperasi=books,
        actor=pengurus,
        code="1.1.07",
        name="Kas Kecil",
        klass="aset",
        normal_side="debit",
        parent=aset,
    )
    assert kecil.parent == aset


def test_used_account_keeps_its_class_and_a_mapped_one_stays_active(books, acc, kasir, pengurus):
    post(
        koperasi=books,
        lines=[Line(acc.kas, debit=Decimal("1000")), Line(acc.sukarela, credit=Decimal("1000"))],
        kind="savings.deposit",
        memo="Setoran",
        actor=kasir,
    )
    with pytest.raises(LedgerError, match="setelah akun dipakai"):
        account_update(account=acc.kas, actor=pengurus, normal_side="kredit")
    with pytest.raises(LedgerError, match="peran akun"):
        account_update(account=acc.kas, actor=pengurus, is_active=False)
    renamed = account_update(account=acc.kas, actor=pengurus, code="1.1.10", name="Kas Tunai")
    assert (renamed.code, renamed.name) == ("1.1.10", "Kas Tunai")
    event = AuditEvent.objects.filter(action="ledger.account_update").latest("id")
    assert event.before == {"code": "1.1.01", "name": "Kas"}


def test_posting_to_group_or_inactive_account_is_refused(books, acc, kasir, pengurus):
    group = Account.objects.get(koperasi=books, code="1.1")
    spare = Account.objects.get(koperasi=books, code="1.2.01")
    account_update(account=spare, actor=pengurus, is_active=False)
    spare.refresh_from_db()
    for account, message in ((group, "akun kelompok"), (spare, "tidak aktif")):
        with pytest.raises(LedgerError, match=message):
            post(
                koperasi=books,
                lines=[Line(account, debit=Decimal("1000")), Line(acc.kas, credit=Decimal("1000"))],
                kind="manual",
                memo="Uji",
                actor=kasir,
            )


def test_an_account_cannot_go_under_its_own_descendant(books, pengurus):
    """1 Aset > 1.1 Aset Lancar > 1.1.90 (a new group): putting 1.1 under 1.1.90, or 1 under
    either, would make a loop that no report could walk."""
    aset = Account.objects.get(koperasi=books, code="1")
    lancar = Account.objects.get(koperasi=books, code="1.1")
    group = account_create(
        koperasi=books,
        actor=pengurus,
        code="1.1.90",
        name="Kas di Unit",
        klass="aset",
        normal_side="debit",
        parent=lancar,
        is_group=True,
    )
    for account, parent in ((lancar, group), (aset, lancar), (aset, group)):
        with pytest.raises(LedgerError, match="berada di bawah akun ini"):
            account_update(account=account, actor=pengurus, parent=parent)
    lancar.refresh_from_db()
    aset.refresh_from_db()
    assert lancar.parent_id == aset.pk and aset.parent_id is None
