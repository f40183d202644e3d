"""The audit trail in words: every action code a service records has an Indonesian label, and
the values kept before and after a change are shown by their field's name, amounts as Rupiah.

The codes are data (``"savings.deposit"``), written by the services with :func:`core.audit.record`;
this module only reads them. A code with no label (one added later without one) shows as
*Tindakan lain* and its code, never as a bare code; ``tests/core/test_audit_labels.py`` finds
every code in the code base and fails on one without a label.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from core import money
from core.fields import MoneyField
from core.validators import mask_nik

ACTION_LABELS: dict[str, Any] = {
    # registry: the koperasi, roles, targets, users
    "koperasi.create": _l("Koperasi didaftarkan"),
    "koperasi.update": _l("Data koperasi diubah"),
    "koperasi.digital_stage": _l("Tahap digital diubah"),
    "role.grant": _l("Peran diberikan"),
    "role.revoke": _l("Peran dicabut"),
    "target.set": _l("Target tahunan ditetapkan"),
    "user.create": _l("Pengguna dibuat"),
    "user.activate": _l("Pengguna diaktifkan"),
    "user.deactivate": _l("Pengguna dinonaktifkan"),
    "user.password_change": _l("Kata sandi diganti"),
    "user.password_reset_code": _l("Kode atur ulang kata sandi dibuat"),
    "user.password_reset": _l("Kata sandi diatur ulang"),
    "user.unlock": _l("Kunci masuk dibuka"),
    "user.totp_enable": _l("Verifikasi dua langkah diaktifkan"),
    "user.totp_disable": _l("Verifikasi dua langkah dimatikan"),
    # the Dinas's records of a koperasi
    "officer.add": _l("Pengurus/pengawas dicatat"),
    "contact.add": _l("Kontak dicatat"),
    "rat.record": _l("RAT dicatat"),
    "certificate.add": _l("Sertifikat NIK koperasi dicatat"),
    "figures.report": _l("Angka laporan tahunan dicatat"),
    "visit.log": _l("Kunjungan pendampingan dicatat"),
    "follow_up.done": _l("Tindak lanjut selesai"),
    # ledger
    "ledger.post": _l("Jurnal diposting"),
    "ledger.post_many": _l("Jurnal diposting (banyak sekaligus)"),
    "ledger.chart_setup": _l("Bagan akun disiapkan"),
    "ledger.role_map": _l("Peran akun dipetakan"),
    "ledger.account_create": _l("Akun dibuat"),
    "ledger.account_update": _l("Akun diubah"),
    "ledger.period_close": _l("Periode buku ditutup"),
    "ledger.period_reopen": _l("Periode buku dibuka kembali"),
    "ledger.business_date": _l("Tanggal buku diubah"),
    # members
    "members.register": _l("Anggota didaftarkan"),
    "members.update": _l("Data anggota diubah"),
    "members.leave": _l("Anggota keluar"),
    "members.death": _l("Anggota meninggal dunia"),
    "members.number_format_set": _l("Format nomor anggota diubah"),
    "members.notify_channel": _l("Saluran pemberitahuan anggota diubah"),
    # savings
    "savings.member_join": _l("Anggota masuk (simpanan pokok)"),
    "savings.member_enrol": _l("Rekening simpanan anggota dibuka"),
    "savings.member_exit": _l("Anggota keluar (simpanan dikembalikan)"),
    "savings.deposit": _l("Setoran simpanan"),
    "savings.withdraw": _l("Penarikan simpanan"),
    "savings.transfer": _l("Pindah buku simpanan"),
    "savings.void_request": _l("Pembatalan transaksi simpanan diminta"),
    "savings.void_refuse": _l("Pembatalan transaksi simpanan ditolak"),
    "savings.void": _l("Transaksi simpanan dibatalkan"),
    "savings.cashier_open": _l("Sesi kasir dibuka"),
    "savings.cashier_close": _l("Sesi kasir ditutup"),
    "savings.vault_in": _l("Kas diambil dari brankas"),
    "savings.vault_out": _l("Kas disetor ke brankas"),
    "savings.counter_limits": _l("Batas transaksi kasir diubah"),
    "notify.reminder_settings": _l("Pengaturan pengingat anggota diubah"),
    "savings.request_create": _l("Persetujuan transaksi diminta"),
    "savings.request_approve": _l("Transaksi disetujui"),
    "savings.request_refuse": _l("Transaksi ditolak"),
    "savings.product_create": _l("Produk simpanan dibuat"),
    "savings.product_update": _l("Produk simpanan diubah"),
    "savings.product_terms_set": _l("Ketentuan produk simpanan ditetapkan"),
    "savings.account_open": _l("Rekening simpanan dibuka"),
    "savings.wajib_amount_set": _l("Besar simpanan wajib diubah"),
    "savings.berjangka_open": _l("Simpanan berjangka dibuka"),
    "savings.berjangka_break": _l("Simpanan berjangka dicairkan sebelum jatuh tempo"),
    "savings.berjangka_roll_over": _l("Simpanan berjangka diperpanjang"),
    "savings.berjangka_mature": _l("Simpanan berjangka jatuh tempo"),
    "savings.tax_deposit": _l("Pajak bunga disetor"),
    "savings.payroll_preview": _l("Berkas potong gaji simpanan diperiksa"),
    "savings.payroll_post": _l("Potong gaji simpanan dibukukan"),
    "savings.month_end": _l("Akhir bulan simpanan"),
    # loans
    "loans.product_create": _l("Produk pinjaman dibuat"),
    "loans.product_update": _l("Produk pinjaman diubah"),
    "loans.product_terms_set": _l("Ketentuan produk pinjaman ditetapkan"),
    "loans.apply": _l("Pengajuan pinjaman"),
    "loans.approve": _l("Pinjaman disetujui"),
    "loans.refuse": _l("Pengajuan pinjaman ditolak"),
    "loans.cancel": _l("Pengajuan pinjaman dibatalkan"),
    "loans.disburse": _l("Pinjaman dicairkan"),
    "loans.repay": _l("Angsuran pinjaman"),
    "loans.settle": _l("Pelunasan pinjaman"),
    "loans.void_request": _l("Pembatalan transaksi pinjaman diminta"),
    "loans.void_refuse": _l("Pembatalan transaksi pinjaman ditolak"),
    "loans.void": _l("Transaksi pinjaman dibatalkan"),
    "loans.restructure_request": _l("Restrukturisasi pinjaman diminta"),
    "loans.restructure_refuse": _l("Restrukturisasi pinjaman ditolak"),
    "loans.restructure_approve": _l("Restrukturisasi pinjaman disetujui"),
    "loans.restructure": _l("Pinjaman direstrukturisasi"),
    "loans.writeoff_request": _l("Hapus buku pinjaman diminta"),
    "loans.writeoff_refuse": _l("Hapus buku pinjaman ditolak"),
    "loans.writeoff_seen": _l("Hapus buku pinjaman diketahui pengawas"),
    "loans.writeoff": _l("Pinjaman dihapusbukukan"),
    "loans.recover": _l("Pemulihan pinjaman yang dihapusbukukan"),
    "loans.grade_override": _l("Kolektibilitas ditetapkan manual"),
    "loans.grade_override_clear": _l("Kolektibilitas manual dihapus"),
    "loans.payroll_preview": _l("Berkas potong gaji pinjaman diperiksa"),
    "loans.payroll_post": _l("Potong gaji pinjaman dibukukan"),
    "loans.migrate": _l("Pinjaman berjalan dipindahkan dari pembukuan lama"),
    # the close of business
    "closing.day_closed": _l("Tutup buku harian"),
    "closing.rerun_failures": _l("Langkah tutup buku yang gagal diulang"),
}


def action_label(code: str) -> str:
    label = ACTION_LABELS.get(code)
    if label is None:
        return _("Tindakan lain (%(code)s)") % {"code": code}
    return str(label)


def action_choices() -> list[tuple[str, str]]:
    """Every labelled action, by label: the choices of the audit page's filter."""
    return sorted(((c, str(label)) for c, label in ACTION_LABELS.items()), key=lambda c: c[1])


# Keys a service writes that are not fields of the object (the ``after`` of a counter action,
# a vault move, a loan's disbursement): their names, and which hold amounts.
EXTRA_LABELS: dict[str, Any] = {
    "amount": _l("jumlah"),
    "expected": _l("kas menurut catatan"),
    "entry": _l("nomor jurnal"),
    "entries": _l("jumlah jurnal"),
    "number": _l("nomor"),
    "kind": _l("jenis"),
    "on": _l("tanggal"),
    "date": _l("tanggal"),
    "net": _l("diterima bersih"),
    "saving": _l("simpanan dipotong"),
    "via": _l("melalui"),
    "to_sukarela": _l("ke simpanan sukarela"),
    "capitalised": _l("bunga dikapitalisasi"),
    "allowance": _l("PPAP dipakai"),
    "accrued": _l("bunga akrual dibalik"),
    "recovered": _l("dipulihkan"),
    "total": _l("jumlah"),
    "balance": _l("saldo"),
    "count": _l("banyaknya"),
    "role": _l("peran"),
    "reason": _l("alasan"),
    "status": _l("status"),
    "grade": _l("kolektibilitas"),
    "grade_override": _l("kolektibilitas manual"),
    "override_reason": _l("alasan kolektibilitas manual"),
    "year": _l("tahun"),
    "new_digital": _l("target koperasi digital baru"),
    "stage": _l("tahap"),
    "changed_on": _l("tanggal perubahan"),
    "note": _l("catatan"),
}
MONEY_KEYS = frozenset(
    {
        "amount",
        "expected",
        "net",
        "saving",
        "to_sukarela",
        "capitalised",
        "allowance",
        "accrued",
        "recovered",
        "total",
        "balance",
    }
)


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Change:
    """One field of a record as the audit page shows it."""

    label: str
    before: str
    after: str

    @property
    def token(self) -> bool:
        """A long value with no space (a hash, a key): the page may wrap it inside."""
        return any(
            len(v) > 24 and not any(c.isspace() for c in v) for v in (self.before, self.after)
        )


def _model(object_type: str) -> type[models.Model] | None:
    if not object_type:
        return None
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _field(model: type[models.Model] | None, key: str) -> models.Field | None:
    if model is None:
        return None
    for field in model._meta.concrete_fields:
        if key in (field.name, field.attname):
            return field
    try:
        found = model._meta.get_field(key)
    except FieldDoesNotExist:
        return None
    return found if isinstance(found, models.Field) else None


def _rupiah(value: Any) -> str:
    try:
        amount = money.money(value if isinstance(value, Decimal | int) else str(value))
    except (ValueError, ArithmeticError, InvalidOperation, TypeError):
        return str(value)
    return money.format_rupiah(amount, sen=amount != amount.to_integral_value())


def value_text(value: Any, *, field: models.Field | None = None, key: str = "") -> str:
    """A stored value as a person reads it: "—" for nothing, Rupiah for an amount, the
    choice's label, "ya"/"tidak", a masked NIK; lists and records as plain text."""
    if value is None or value == "":
        return "—"
    if key == "nik" or (field is not None and field.name == "nik"):
        return mask_nik(str(value))
    if isinstance(value, bool):
        return _("ya") if value else _("tidak")
    if isinstance(field, MoneyField) or (field is None and key in MONEY_KEYS):
        return _rupiah(value)
    if field is not None and field.choices:
        labels = {str(k): v for k, v in field.flatchoices}
        if str(value) in labels:
            return str(labels[str(value)])
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return formats.date_format(dt.date.fromisoformat(value), "j F Y")
    if isinstance(value, dict):
        return ", ".join(f"{_key_label(str(k))}: {_nested(v, str(k))}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(value_text(v) for v in value)
    return str(value)


def _key_label(key: str) -> str:
    extra = EXTRA_LABELS.get(key)
    return str(extra) if extra is not None else key.replace("_", " ")


def _nested(value: Any, key: str) -> str:
    text = value_text(value, key=key)
    return f"({text})" if isinstance(value, dict) else text


def field_label(object_type: str, key: str) -> str:
    field = _field(_model(object_type), key)
    if field is not None:
        return str(field.verbose_name)
    return _key_label(key)


def changes(
    object_type: str, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> list[Change]:
    """The fields of an audit record, in the order the service wrote them, each by its name."""
    before, after = before or {}, after or {}
    model = _model(object_type)
    out = []
    for key in [*after, *(k for k in before if k not in after)]:
        field = _field(model, key)
        label = field_label(object_type, key)
        out.append(
            Change(
                label=label[:1].upper() + label[1:],
                before=value_text(before[key], field=field, key=key) if key in before else "",
                after=value_text(after[key], field=field, key=key) if key in after else "",
            )
        )
    return out
