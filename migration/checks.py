"""Checks across rows and sheets, after each cell was read: every problem as data.

Duplicates (member numbers, NIKs, loan numbers), rows naming a member no sheet and no book
knows, a member's savings on the savings sheet that disagree with the members sheet, loans
whose figures cannot be (outstanding above principal, more instalments paid than the tenor).
Each problem rejects its row; the first of two duplicates is kept and the second rejected, and
both rows are named so the person sees which to fix.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.utils.translation import gettext as _

from core.money import format_rupiah
from migration.reading import Problem, ReadBook, ReadSheet, Record

SAVINGS_KINDS = ("pokok", "wajib", "sukarela")


def _reject(
    book: ReadBook, sheet: ReadSheet, record: Record, field: str, code: str, message: str
) -> None:
    record.rejected = True
    column = sheet.column_name(field) if sheet.header and field in sheet.header.columns else ""
    book.add(Problem(sheet.name, record.row, column, code, message, record.raw.get(field, "")))


def _duplicates(book: ReadBook, kind: str, field: str, code: str, label: str) -> dict[str, Record]:
    """The first record for each value of ``field`` across the sheets of ``kind``; later ones
    are rejected naming the first."""
    first: dict[str, tuple[ReadSheet, Record]] = {}
    for sheet in book.of_kind(kind):
        for record in sheet.records:
            value = record.values.get(field)
            if value is None:
                continue
            key = member_key(value) if field == "number" else str(value)
            if key in first:
                other_sheet, other = first[key]
                _reject(
                    book,
                    sheet,
                    record,
                    field,
                    code,
                    _("%(label)s %(value)s sudah ada di baris %(row)s lembar “%(sheet)s”.")
                    % {"label": label, "value": value, "row": other.row, "sheet": other_sheet.name},
                )
            else:
                first[key] = (sheet, record)
    return {key: record for key, (_sheet, record) in first.items() if not record.rejected}


def member_key(number: object) -> str:
    """A member number as the books compare it: ``00126`` and ``126`` are the same member."""
    return str(number).strip().lstrip("0") or "0"


def check_book(book: ReadBook, *, known_members: Iterable[str] = ()) -> None:
    """Every check across rows and sheets; problems are added to ``book``, rows rejected."""
    members = _duplicates(book, "members", "number", "duplicate_member", _("Nomor anggota"))
    _duplicates(book, "members", "nik", "duplicate_nik", _("NIK"))
    known = {member_key(n) for n in members} | {member_key(n) for n in known_members}
    for kind in ("savings", "loans", "transactions", "term_deposits"):
        for sheet in book.of_kind(kind):
            for record in sheet.records:
                number = record.values.get("number")
                if number is not None and member_key(number) not in known:
                    _reject(
                        book,
                        sheet,
                        record,
                        "number",
                        "unknown_member",
                        _(
                            "Anggota nomor %(n)s tidak ada di lembar anggota maupun di buku "
                            "koperasi ini."
                        )
                        % {"n": number},
                    )
    _duplicates(book, "loans", "loan_number", "duplicate_loan", _("Nomor pinjaman"))
    _duplicates(book, "term_deposits", "placement_number", "duplicate_placement", _("Nomor bilyet"))
    _check_loans(book)
    _check_savings_agree(book)


def _check_loans(book: ReadBook) -> None:
    for sheet in book.of_kind("loans"):
        for record in sheet.records:
            v = record.values
            principal, outstanding = v.get("principal"), v.get("outstanding")
            tenor, paid = v.get("tenor"), v.get("paid_instalments")
            if principal is not None and principal <= 0:
                _reject(book, sheet, record, "principal", "principal_not_positive",
                        _("Plafon pinjaman harus lebih dari nol."))  # fmt: skip
            if tenor is not None and tenor < 1:
                _reject(book, sheet, record, "tenor", "tenor_invalid",
                        _("Jangka waktu minimal 1 angsuran."))  # fmt: skip
            if outstanding is not None and principal is not None and outstanding > principal:
                _reject(
                    book, sheet, record, "outstanding", "outstanding_above_principal",
                    _("Sisa pokok %(o)s lebih besar dari plafon %(p)s.")
                    % {"o": format_rupiah(outstanding), "p": format_rupiah(principal)},
                )  # fmt: skip
            if outstanding is not None and outstanding < 0:
                _reject(book, sheet, record, "outstanding", "outstanding_negative",
                        _("Sisa pokok tidak boleh negatif."))  # fmt: skip
            if paid is not None and tenor is not None and not 0 <= paid <= tenor:
                _reject(
                    book, sheet, record, "paid_instalments", "paid_above_tenor",
                    _("Angsuran yang sudah dibayar (%(p)s) melebihi jangka waktu (%(t)s).")
                    % {"p": paid, "t": tenor},
                )  # fmt: skip
            if outstanding is None and paid is None and not record.rejected:
                _reject(
                    book, sheet, record, "outstanding", "loan_state_missing",
                    _("Isi sisa pokok atau jumlah angsuran yang sudah dibayar."),
                )  # fmt: skip


def _check_savings_agree(book: ReadBook) -> None:
    """A member's pokok/wajib/sukarela on the members sheet against the savings sheet's rows
    for the same member and product, when both sheets give them."""
    on_savings: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    seen: set[tuple[str, str]] = set()
    for sheet in book.of_kind("savings"):
        for record in sheet.records:
            product = str(record.values.get("product") or "").lower()
            kind = next((k for k in SAVINGS_KINDS if k in product), None)
            if kind is None or record.rejected:
                continue
            key = (member_key(record.values["number"]), kind)
            on_savings[key] += record.values.get("balance") or Decimal(0)
            seen.add(key)
    if not seen:
        return
    for sheet in book.of_kind("members"):
        for record in sheet.records:
            if record.rejected or record.values.get("number") is None:
                continue
            for kind in SAVINGS_KINDS:
                stated = record.values.get(kind)
                key = (member_key(record.values["number"]), kind)
                if stated is None or key not in seen or on_savings[key] == stated:
                    continue
                _reject(
                    book,
                    sheet,
                    record,
                    kind,
                    "savings_disagree",
                    _(
                        "Simpanan %(kind)s %(a)s di lembar anggota berbeda dengan %(b)s di "
                        "lembar simpanan."
                    )
                    % {
                        "kind": kind,
                        "a": format_rupiah(stated),
                        "b": format_rupiah(on_savings[key]),
                    },
                )
