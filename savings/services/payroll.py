"""Bulk payroll deduction (potong gaji) for a koperasi karyawan.

The employer sends a file (CSV or XLSX): a header row with ``nomor_anggota`` (or "No Anggota"),
optionally ``nama``, and one column per savings product, named by the product's code (``SW``,
``SS``…) or name; each row is one member's deductions. :func:`payroll_preview` reads and checks
every row and keeps the result (all problems at once, as data: sheet, row, column, code,
message, original text). :func:`payroll_post` then posts everything in **one** ledger entry
(debit bank or kas, credit each product) with a movement per account.

Choice: if any row has an error, nothing is posted unless the user explicitly chooses to post
only the valid rows (``only_valid=True``); the rejected rows stay listed on the batch.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import audit
from core import money as m
from core.books import books_text
from core.dates import business_date
from members.models import Member
from registry.models import Koperasi
from savings.models import Account, Kind, PayrollBatch, Product, TxKind
from savings.services._common import (
    ZERO,
    Booking,
    SavingsError,
    lock_accounts,
)

MAX_ROWS = 20000
NUMBER_HEADERS = {"nomor_anggota", "nomor anggota", "no anggota", "no_anggota", "no. anggota"}
NAME_HEADERS = {"nama", "nama anggota", "nama_anggota"}


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int
    column: str
    code: str
    message: str
    text: str


class PayrollFileError(SavingsError):
    pass


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value).strip()


def _cell_amount(value: Any) -> Decimal:
    """A spreadsheet cell as an amount. Numbers arrive from calamine as floats: they are turned
    into text by ``repr`` (shortest round-trip) and then read exactly, so 150000.0 is Rp150.000
    and 1500.255 is refused for having three decimals."""
    if value is None or value == "":
        return ZERO
    if isinstance(value, bool):
        raise m.InvalidAmount(_("Bukan jumlah uang."))
    if isinstance(value, int):
        return m.money(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):  # ok: reading a cell
            raise m.InvalidAmount(_("Bukan jumlah uang."))
        text = repr(value)
        if "e" in text.lower():
            text = format(Decimal(text), "f")
        decimal = Decimal(text)
        if decimal == decimal.to_integral_value():
            decimal = decimal.quantize(Decimal(1))
        return m.money(decimal)
    text = str(value).strip()
    if not text or text == "-":
        return ZERO
    return m.parse_rupiah(text)


def read_rows(filename: str, content: bytes) -> tuple[str, list[list[Any]]]:
    """The first sheet of an XLSX/XLS/ODS file, or a CSV (``,`` or ``;``), as rows of cells."""
    name = filename.lower()
    if name.endswith((".xlsx", ".xls", ".xlsm", ".ods")):
        from python_calamine import CalamineWorkbook

        try:
            book = CalamineWorkbook.from_filelike(io.BytesIO(content))
            sheet_name = book.sheet_names[0]
            rows = book.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
        except Exception as exc:  # calamine raises its own error types for bad files
            raise PayrollFileError(
                _("Berkas spreadsheet tidak dapat dibaca: %(e)s") % {"e": exc}, code="file"
            ) from exc
        return sheet_name, [list(r) for r in rows]
    if name.endswith((".csv", ".txt")):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = content.decode("latin-1")
        first = text.split("\n", 1)[0]
        delimiter = ";" if first.count(";") > first.count(",") else ","
        return "CSV", [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    raise PayrollFileError(_("Jenis berkas tidak dikenal; unggah CSV atau XLSX."), code="file_type")


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def check_rows(
    koperasi: Koperasi, sheet: str, rows: list[list[Any]]
) -> tuple[list[dict[str, Any]], list[RowError]]:
    """Every row checked; returns the valid rows (as JSON-ready data) and every error."""
    errors: list[RowError] = []
    header_at = next(
        (i for i, r in enumerate(rows) if any(_cell_text(c).lower() in NUMBER_HEADERS for c in r)),
        None,
    )
    if header_at is None:
        errors.append(
            RowError(
                sheet,
                1,
                "",
                "tanpa_kepala",
                _("Baris judul tidak ditemukan: harus ada kolom “nomor_anggota”."),
                "",
            )
        )
        return [], errors
    header = [_cell_text(c) for c in rows[header_at]]
    products = {p.code.lower(): p for p in Product.objects.filter(koperasi=koperasi)}
    products.update({p.name.lower(): p for p in products.values()})
    number_col = name_col = None
    product_cols: dict[int, Product] = {}
    for i, title in enumerate(header):
        key = re.sub(r"\s+", " ", title.lower())
        if key in NUMBER_HEADERS:
            number_col = i
        elif key in NAME_HEADERS:
            name_col = i
        elif not key:
            continue
        elif key in products:
            product = products[key]
            if product.kind == Kind.BERJANGKA:
                errors.append(
                    RowError(
                        sheet,
                        header_at + 1,
                        _column_letter(i),
                        "produk_berjangka",
                        _("Simpanan berjangka tidak dapat dipotong gaji."),
                        title,
                    )
                )
            else:
                product_cols[i] = product
        else:
            errors.append(
                RowError(
                    sheet,
                    header_at + 1,
                    _column_letter(i),
                    "produk_tidak_dikenal",
                    _("Kolom “%(t)s” bukan kode atau nama produk simpanan koperasi ini.")
                    % {"t": title},
                    title,
                )
            )
    if not product_cols:
        errors.append(
            RowError(
                sheet,
                header_at + 1,
                "",
                "tanpa_produk",
                _("Tidak ada kolom produk simpanan (misalnya SW atau SS)."),
                "",
            )
        )
        return [], errors
    assert number_col is not None
    body = [
        (header_at + 2 + i, r)
        for i, r in enumerate(rows[header_at + 1 :])
        if any(_cell_text(c) for c in r)
    ]
    if len(body) > MAX_ROWS:
        raise PayrollFileError(
            ngettext(
                "Berkas terlalu besar: paling banyak %(n)d baris.",
                "Berkas terlalu besar: paling banyak %(n)d baris.",
                MAX_ROWS,
            )
            % {"n": MAX_ROWS}
        )
    numbers = [_cell_text(r[number_col]) if number_col < len(r) else "" for _n, r in body]
    members = {
        mb.number: mb
        for mb in Member.objects.filter(koperasi=koperasi, number__in=set(numbers)).only(
            "pk", "number", "full_name", "status"
        )
    }
    accounts = {
        (a.member_id, a.product_id): a
        for a in Account.objects.filter(
            koperasi=koperasi,
            member__in=list(members.values()),
            product__in=set(product_cols.values()),
            status=Account.Status.AKTIF,
        ).only("pk", "member_id", "product_id", "number")
    }
    seen = Counter(n for n in numbers if n)
    valid: list[dict[str, Any]] = []
    number_letter = _column_letter(number_col)
    for (row_no, row), number in zip(body, numbers, strict=True):
        row_errors: list[RowError] = []
        member = members.get(number)
        if not number:
            row_errors.append(
                RowError(
                    sheet, row_no, number_letter, "nomor_kosong", _("Nomor anggota kosong."), ""
                )
            )
        elif member is None:
            row_errors.append(
                RowError(
                    sheet,
                    row_no,
                    number_letter,
                    "anggota_tidak_dikenal",
                    _("Nomor anggota %(n)s tidak terdaftar di koperasi ini.") % {"n": number},
                    number,
                )
            )
        elif member.status != Member.Status.AKTIF:
            row_errors.append(
                RowError(
                    sheet,
                    row_no,
                    number_letter,
                    "anggota_tidak_aktif",
                    _("%(name)s bukan anggota aktif lagi.") % {"name": member.full_name},
                    number,
                )
            )
        if number and seen[number] > 1:
            row_errors.append(
                RowError(
                    sheet,
                    row_no,
                    number_letter,
                    "baris_ganda",
                    _("Nomor anggota %(n)s muncul lebih dari sekali dalam berkas.") % {"n": number},
                    number,
                )
            )
        amounts: dict[str, str] = {}
        for col, product in product_cols.items():
            raw = row[col] if col < len(row) else None
            letter = _column_letter(col)
            try:
                amount = _cell_amount(raw)
            except m.InvalidAmount as exc:
                row_errors.append(
                    RowError(sheet, row_no, letter, "jumlah_tidak_sah", str(exc), _cell_text(raw))
                )
                continue
            if amount < 0:
                row_errors.append(
                    RowError(
                        sheet,
                        row_no,
                        letter,
                        "jumlah_negatif",
                        _("Jumlah tidak boleh negatif."),
                        _cell_text(raw),
                    )
                )
                continue
            if not amount:
                continue
            if member is not None and (member.pk, product.pk) not in accounts:
                row_errors.append(
                    RowError(
                        sheet,
                        row_no,
                        letter,
                        "tanpa_rekening",
                        _("%(name)s tidak punya rekening %(p)s yang aktif.")
                        % {"name": member.full_name, "p": product.name},
                        _cell_text(raw),
                    )
                )
                continue
            if member is not None:
                amounts[str(accounts[(member.pk, product.pk)].pk)] = str(amount)
        if not row_errors and not amounts:
            row_errors.append(
                RowError(sheet, row_no, "", "tanpa_jumlah", _("Baris tanpa jumlah potongan."), "")
            )
        if row_errors:
            errors.extend(row_errors)
            continue
        assert member is not None
        given_name = (
            _cell_text(row[name_col]) if name_col is not None and name_col < len(row) else ""
        )
        valid.append(
            {
                "row": row_no,
                "member_id": member.pk,
                "number": member.number,
                "name": member.full_name,
                "given_name": given_name,
                "amounts": amounts,
            }
        )
    return valid, errors


@transaction.atomic
def payroll_preview(
    *,
    koperasi: Koperasi,
    actor: Any,
    filename: str,
    content: bytes,
    value_date: dt.date | None = None,
    via: str = "bank",
) -> PayrollBatch:
    """Read and check a payroll file and keep it for the preview; nothing is posted."""
    if via not in ("bank", "kas"):
        raise SavingsError(_("Sumber dana harus bank atau kas."))
    sheet, rows = read_rows(filename, content)
    valid, errors = check_rows(koperasi, sheet, rows)
    total = sum((Decimal(a) for r in valid for a in r["amounts"].values()), ZERO)
    batch = PayrollBatch.objects.create(
        koperasi=koperasi,
        filename=filename[:200],
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        value_date=value_date or business_date(koperasi),
        source_role=via,
        rows=valid,
        errors=[asdict(e) for e in errors],
        total=total,
    )
    audit.record(
        actor=actor,
        action="savings.payroll_preview",
        obj=batch,
        after={"rows": len(valid), "errors": len(errors), "total": str(total)},
    )
    return batch


@transaction.atomic
def payroll_post(*, batch: PayrollBatch, actor: Any, only_valid: bool = False) -> PayrollBatch:
    """Post a previewed batch in one entry (see the module doc for what happens on errors)."""
    locked = PayrollBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.status == PayrollBatch.Status.POSTED:
        return locked  # posted already (a double tap): nothing more
    if locked.errors and not only_valid:
        raise SavingsError(
            ngettext(
                "Ada %(n)d kesalahan dalam berkas; tidak ada yang diposting. Perbaiki berkas dan "
                "unggah lagi, atau pilih posting baris yang benar saja.",
                "Ada %(n)d kesalahan dalam berkas; tidak ada yang diposting. Perbaiki berkas dan "
                "unggah lagi, atau pilih posting baris yang benar saja.",
                len(locked.errors),
            )
            % {"n": len(locked.errors)},
            code="payroll_errors",
        )
    if not locked.rows:
        raise SavingsError(_("Tidak ada baris yang dapat diposting."), code="payroll_empty")
    koperasi = locked.koperasi
    ids = [int(a) for r in locked.rows for a in r["amounts"]]
    accounts = lock_accounts(koperasi, ids)
    booking = Booking(koperasi, locked.value_date)
    booking.preload_obligations(ids)
    memo = books_text("Potong gaji %(f)s", f=locked.filename)
    total = ZERO
    for row in locked.rows:
        for account_id, text in row["amounts"].items():
            amount = m.money(text)
            try:
                booking.pay_in(
                    accounts[int(account_id)], amount, kind=TxKind.POTONG_GAJI, memo=memo
                )
            except SavingsError as exc:
                raise SavingsError(
                    _("Baris %(row)d (%(n)s): %(msg)s")
                    % {"row": row["row"], "n": row["number"], "msg": " ".join(exc.messages)},
                    code="payroll_row",
                ) from exc
            total += amount
    booking.cash(locked.source_role, total)
    entry = booking.post(
        kind="savings.payroll",
        memo=memo,
        actor=actor,
        idempotency_key=f"payroll:{locked.pk}",
        source=f"savings.PayrollBatch:{locked.pk}",
    )
    locked.status = PayrollBatch.Status.POSTED
    locked.entry = entry
    locked.posted_at = timezone.now()
    locked.posted_only_valid = bool(locked.errors)
    locked.total = total
    locked.save()
    audit.record(
        actor=actor,
        action="savings.payroll_post",
        obj=locked,
        after={"entry": entry.number, "total": str(total), "rows": len(locked.rows)},
    )
    return locked


__all__ = ["PayrollFileError", "RowError", "check_rows", "payroll_post", "payroll_preview"]
