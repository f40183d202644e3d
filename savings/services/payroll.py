"""Bulk payroll deduction (potong gaji) for a koperasi karyawan.

The employer sends a file (CSV, XLSX, XLS or ODS, read by :mod:`core.spreadsheet` within
:data:`LIMITS`): a header row with ``nomor_anggota`` (or "No Anggota"),
optionally ``nama``, and one column per savings product, named by the product's code (``SW``,
``SS``…) or name; each row is one member's deductions. :func:`payroll_preview` reads and checks
every row and keeps the result (all problems at once, as data: sheet, row, column, code,
message, original text; the first few hundred on the batch, all of them counted and in a
downloadable report). :func:`payroll_post` then posts everything in **one** ledger entry
(debit bank or kas, credit each product) with a movement per account.

Choice: if any row has an error, nothing is posted unless the user explicitly chooses to post
only the valid rows (``only_valid=True``); the rejected rows stay listed on the batch.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from functools import lru_cache
from typing import IO, Any, NamedTuple

from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from core import audit
from core import money as m
from core.books import books_text
from core.dates import business_date
from core.notify import notices
from core.spreadsheet import ErrorLog, Limits, open_workbook
from core.spreadsheet.limits import MB
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
# A payroll file: one sheet of at most MAX_ROWS members (and a few title rows) by a few dozen
# product columns. Anything bigger is refused before it is parsed (core.spreadsheet).
LIMITS = Limits(max_bytes=10 * MB, max_rows=MAX_ROWS + 100, max_columns=128, max_cells=1_500_000)
# Rows checked together: one query for their members and one for their accounts.
CHUNK_ROWS = 1000
NUMBER_HEADERS = {"nomor_anggota", "nomor anggota", "no anggota", "no_anggota", "no. anggota"}
NAME_HEADERS = {"nama", "nama anggota", "nama_anggota"}


class RowError(NamedTuple):
    """One problem in a file, in :data:`core.spreadsheet.errors.FIELDS` order."""

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


@lru_cache(maxsize=4096)
def _amount_or_message(kind: str, value: Any, language: str | None) -> Decimal | str:
    """:func:`_cell_amount`, or its refusal's message, remembered: a payroll file repeats the
    same few amounts (and a hostile one the same bad cell) thousands of times."""
    try:
        return _cell_amount(value)
    except m.InvalidAmount as exc:
        return str(exc)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _header(sheet: str, rows: Iterator[list[Any]], log: ErrorLog) -> tuple[int, list[str]] | None:
    """The row number and titles of the header (the first row naming ``nomor_anggota``)."""
    for row_no, row in enumerate(rows, start=1):
        if any(_cell_text(c).lower() in NUMBER_HEADERS for c in row):
            return row_no, [_cell_text(c) for c in row]
    log.add(
        RowError(
            sheet,
            1,
            "",
            "tanpa_kepala",
            _("Baris judul tidak ditemukan: harus ada kolom “nomor_anggota”."),
            "",
        )
    )
    return None


def check_rows(
    koperasi: Koperasi, sheet: str, rows: Iterable[list[Any]], log: ErrorLog | None = None
) -> tuple[list[dict[str, Any]], ErrorLog]:
    """Every row checked as it streams in; returns the valid rows (as JSON-ready data) and the
    log of every error (capped in memory, all of them in its report). Members and accounts are
    read :data:`CHUNK_ROWS` rows at a time, so a file is never held whole."""
    log = log if log is not None else ErrorLog()
    stream = iter(rows)
    found = _header(sheet, stream, log)
    if found is None:
        return [], log
    header_row, header = found
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
                log.add(
                    RowError(
                        sheet,
                        header_row,
                        _column_letter(i),
                        "produk_berjangka",
                        _("Simpanan berjangka tidak dapat dipotong gaji."),
                        title,
                    )
                )
            else:
                product_cols[i] = product
        else:
            log.add(
                RowError(
                    sheet,
                    header_row,
                    _column_letter(i),
                    "produk_tidak_dikenal",
                    _("Kolom “%(t)s” bukan kode atau nama produk simpanan koperasi ini.")
                    % {"t": title},
                    title,
                )
            )
    if not product_cols:
        log.add(
            RowError(
                sheet,
                header_row,
                "",
                "tanpa_produk",
                _("Tidak ada kolom produk simpanan (misalnya SW atau SS)."),
                "",
            )
        )
        return [], log
    assert number_col is not None
    checker = _RowChecker(koperasi, sheet, number_col, name_col, product_cols, log)
    chunk: list[tuple[int, list[Any]]] = []
    body = 0
    for row_no, row in enumerate(stream, start=header_row + 1):
        if not any(_cell_text(c) for c in row):
            continue
        body += 1
        if body > MAX_ROWS:
            raise PayrollFileError(
                ngettext(
                    "Berkas terlalu besar: paling banyak %(n)d baris.",
                    "Berkas terlalu besar: paling banyak %(n)d baris.",
                    MAX_ROWS,
                )
                % {"n": MAX_ROWS},
                code="too_many_rows",
            )
        chunk.append((row_no, row))
        if len(chunk) >= CHUNK_ROWS:
            checker.check(chunk)
            chunk = []
    checker.check(chunk)
    return checker.finish(), log


class _RowChecker:
    """The body rows, a chunk at a time: each chunk's members and accounts in two queries."""

    def __init__(
        self,
        koperasi: Koperasi,
        sheet: str,
        number_col: int,
        name_col: int | None,
        product_cols: dict[int, Product],
        log: ErrorLog,
    ) -> None:
        self.koperasi = koperasi
        self.sheet = sheet
        self.number_col = number_col
        self.number_letter = _column_letter(number_col)
        self.name_col = name_col
        self.product_cols = product_cols
        self.letters = {col: _column_letter(col) for col in product_cols}
        self.log = log
        self.valid: list[dict[str, Any]] = []
        # A number seen twice is an error on every row that carries it: the later rows are
        # flagged as they come, the first one (already checked) when the file ends.
        self.first_seen: dict[str, tuple[int, int | None]] = {}
        self.repeated: set[str] = set()

    def _duplicate(self, row_no: int, number: str) -> RowError:
        return RowError(
            self.sheet,
            row_no,
            self.number_letter,
            "baris_ganda",
            _("Nomor anggota %(n)s muncul lebih dari sekali dalam berkas.") % {"n": number},
            number,
        )

    def check(self, chunk: list[tuple[int, list[Any]]]) -> None:
        if not chunk:
            return
        sheet, koperasi, number_col = self.sheet, self.koperasi, self.number_col
        numbers = [_cell_text(r[number_col]) if number_col < len(r) else "" for _n, r in chunk]
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
                product__in=set(self.product_cols.values()),
                status=Account.Status.AKTIF,
            ).only("pk", "member_id", "product_id", "number")
        }
        number_letter = self.number_letter
        letters = self.letters
        language = get_language()
        for (row_no, row), number in zip(chunk, numbers, strict=True):
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
            if number:
                if number in self.first_seen:
                    self.repeated.add(number)
                    row_errors.append(self._duplicate(row_no, number))
            amounts: dict[str, str] = {}
            for col, product in self.product_cols.items():
                raw = row[col] if col < len(row) else None
                letter = letters[col]
                amount = _amount_or_message(type(raw).__name__, raw, language)
                if isinstance(amount, str):
                    row_errors.append(
                        RowError(sheet, row_no, letter, "jumlah_tidak_sah", amount, _cell_text(raw))
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
                    RowError(
                        sheet, row_no, "", "tanpa_jumlah", _("Baris tanpa jumlah potongan."), ""
                    )
                )
            if number and number not in self.first_seen:
                self.first_seen[number] = (row_no, None if row_errors else len(self.valid))
            if row_errors:
                for error in row_errors:
                    self.log.add(error)
                continue
            assert member is not None
            name_col = self.name_col
            given_name = (
                _cell_text(row[name_col]) if name_col is not None and name_col < len(row) else ""
            )
            self.valid.append(
                {
                    "row": row_no,
                    "member_id": member.pk,
                    "number": member.number,
                    "name": member.full_name,
                    "given_name": given_name,
                    "amounts": amounts,
                }
            )

    def finish(self) -> list[dict[str, Any]]:
        dropped: set[int] = set()
        for number in sorted(self.repeated, key=lambda n: self.first_seen[n][0]):
            row_no, at = self.first_seen[number]
            self.log.add(self._duplicate(row_no, number))
            if at is not None:
                dropped.add(at)
        return [r for i, r in enumerate(self.valid) if i not in dropped]


def payroll_preview(
    *,
    koperasi: Koperasi,
    actor: Any,
    filename: str,
    content: bytes | IO[bytes],
    value_date: dt.date | None = None,
    via: str = "bank",
) -> PayrollBatch:
    """Read and check a payroll file and keep it for the preview; nothing is posted.

    Not atomic as a whole, on purpose: the file is read and checked first, with reads only (on
    SQLite each in its own short read transaction, which never blocks a writer), and only the
    batch is written, in a transaction of its own. A 20 000-row file takes seconds to check; with
    ``BEGIN IMMEDIATE`` a transaction around the check would hold the write lock all that time
    and the kasir's deposits would wait, then fail with "database is locked".
    """
    if via not in ("bank", "kas"):
        raise SavingsError(_("Sumber dana harus bank atau kas."))
    with open_workbook(content, filename=filename, limits=LIMITS) as book:
        if not book.sheets:
            raise PayrollFileError(_("Berkas tidak berisi lembar."), code="file")
        sheet = book.sheets[0].name
        valid, log = check_rows(koperasi, sheet, book.rows(sheet))
    total = sum((Decimal(a) for r in valid for a in r["amounts"].values()), ZERO)
    with transaction.atomic():
        batch = PayrollBatch.objects.create(
            koperasi=koperasi,
            filename=filename[:200],
            uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
            value_date=value_date or business_date(koperasi),
            source_role=via,
            rows=valid,
            errors=log.kept,
            error_count=log.count,
            error_report=log.report() if log else None,
            total=total,
        )
        audit.record(
            actor=actor,
            action="savings.payroll_preview",
            obj=batch,
            after={"rows": len(valid), "errors": log.count, "total": str(total)},
        )
    return batch


@transaction.atomic
def payroll_post(*, batch: PayrollBatch, actor: Any, only_valid: bool = False) -> PayrollBatch:
    """Post a previewed batch in one entry (see the module doc for what happens on errors)."""
    locked = PayrollBatch.objects.select_for_update().defer("error_report").get(pk=batch.pk)
    if locked.status == PayrollBatch.Status.POSTED:
        return locked  # posted already (a double tap): nothing more
    if locked.error_count and not only_valid:
        raise SavingsError(
            ngettext(
                "Ada %(n)d kesalahan dalam berkas; tidak ada yang diposting. Perbaiki berkas dan "
                "unggah lagi, atau pilih posting baris yang benar saja.",
                "Ada %(n)d kesalahan dalam berkas; tidak ada yang diposting. Perbaiki berkas dan "
                "unggah lagi, atau pilih posting baris yang benar saja.",
                locked.error_count,
            )
            % {"n": locked.error_count},
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
    _receipts(locked, entry, accounts)
    locked.status = PayrollBatch.Status.POSTED
    locked.entry = entry
    locked.posted_at = timezone.now()
    locked.posted_only_valid = bool(locked.error_count)
    locked.total = total
    locked.save()
    audit.record(
        actor=actor,
        action="savings.payroll_post",
        obj=locked,
        after={"entry": entry.number, "total": str(total), "rows": len(locked.rows)},
    )
    return locked


def _receipts(batch: PayrollBatch, entry: Any, accounts: dict[int, Account]) -> None:
    """Each member of the posted batch is told what went into their savings (the outbox)."""
    pairs: dict[int, list[tuple[Account, Decimal]]] = {}
    for row in batch.rows:
        for account_id, text in row["amounts"].items():
            account = accounts[int(account_id)]
            pairs.setdefault(account.member_id, []).append((account, m.money(text)))
    members = Member.objects.filter(pk__in=list(pairs)).only("pk", "phone", "notify_channel")
    notices.savings_payroll_receipts(
        koperasi=batch.koperasi,
        entry=entry,
        on=batch.value_date,
        rows=(
            (member, sorted(pairs[member.pk], key=lambda pair: pair[0].number))
            for member in members.order_by("pk")
        ),
    )


__all__ = ["PayrollFileError", "RowError", "check_rows", "payroll_post", "payroll_preview"]
