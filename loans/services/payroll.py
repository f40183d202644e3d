"""Loan instalments by payroll deduction (potong gaji), the savings payroll's way.

The employer's file (CSV, XLSX, XLS or ODS, read by :mod:`core.spreadsheet` within the savings
payroll's :data:`~savings.services.payroll.LIMITS`) has a header row with ``nomor_pinjaman``
(or "No Pinjaman") and ``jumlah`` (or "angsuran"), optionally ``nomor_anggota`` (checked against
the loan's member) and ``nama``; each row repays one loan. :func:`loan_payroll_preview` reads and
checks every row (problems as data: sheet, row, column, code, message, original text; the first
few hundred kept, all counted and in a downloadable report) and keeps the batch;
:func:`loan_payroll_post` then repays every row as :func:`loans.services.loan_repay` would
(the product's allocation, prepayment, excess to sukarela or refused) in **one** ledger entry
(kind ``loans.payroll``: Dr bank or kas, Cr each loan's accounts), with a movement of kind
``potong_gaji`` per loan. If any row has an error nothing is posted unless the user chooses to
post only the valid rows.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core import audit
from core import money as m
from core.books import books_text
from core.dates import business_date
from core.notify import notices
from core.spreadsheet import ErrorLog, open_workbook
from ledger.models import JournalEntry
from loans.models import (
    Instalment,
    InstalmentMovement,
    Loan,
    LoanEvent,
    LoanPayrollBatch,
    LoanStatus,
    LoanTransaction,
    LoanTxKind,
)
from loans.services._common import ZERO, lock_loan, rupiah, user_or_none
from loans.services.products import LoansError
from loans.services.repayment import Plan, open_instalments, plan_payment
from loans.streak import on_time_streak
from members.models import Member
from registry.models import Koperasi
from savings.models import Account as SavingsAccount
from savings.services._common import Booking, lock_account, lock_accounts
from savings.services.berjangka import sukarela_of
from savings.services.payroll import (
    LIMITS,
    MAX_ROWS,
    NAME_HEADERS,
    NUMBER_HEADERS,
    RowError,
    _amount_or_message,
    _cell_text,
    _column_letter,
)

PAYROLL = "loans.payroll"
LOAN_HEADERS = {"nomor_pinjaman", "nomor pinjaman", "no pinjaman", "no_pinjaman", "no. pinjaman"}
AMOUNT_HEADERS = {"jumlah", "angsuran", "potongan", "jumlah potongan"}


class LoanPayrollError(LoansError):
    pass


def _header(sheet: str, rows: Any, log: ErrorLog) -> tuple[int, list[str]] | None:
    for row_no, row in enumerate(rows, start=1):
        if any(_cell_text(c).lower() in LOAN_HEADERS for c in row):
            return row_no, [_cell_text(c) for c in row]
    log.add(
        RowError(
            sheet,
            1,
            "",
            "tanpa_kepala",
            _("Baris judul tidak ditemukan: harus ada kolom “nomor_pinjaman” dan “jumlah”."),
            "",
        )
    )
    return None


def check_rows(
    koperasi: Koperasi, sheet: str, rows: Any, on: dt.date, log: ErrorLog | None = None
) -> tuple[list[dict[str, Any]], ErrorLog]:
    """Every row checked; returns the valid rows (JSON-ready) and the log of every error."""
    log = log if log is not None else ErrorLog()
    stream = iter(rows)
    found = _header(sheet, stream, log)
    if found is None:
        return [], log
    header_row, header = found
    cols: dict[str, int] = {}
    for i, title in enumerate(header):
        key = re.sub(r"\s+", " ", title.lower())
        if key in LOAN_HEADERS:
            cols["loan"] = i
        elif key in AMOUNT_HEADERS:
            cols["amount"] = i
        elif key in NUMBER_HEADERS:
            cols["member"] = i
        elif key in NAME_HEADERS:
            cols["name"] = i
    if "amount" not in cols:
        log.add(RowError(sheet, header_row, "", "tanpa_jumlah", _("Tidak ada kolom “jumlah”."), ""))
        return [], log
    body = [(n, r) for n, r in enumerate(stream, start=header_row + 1) if any(map(_cell_text, r))]
    if len(body) > MAX_ROWS:
        raise LoanPayrollError(
            _("Berkas terlalu besar: paling banyak %(n)d baris.") % {"n": MAX_ROWS},
            code="too_many_rows",
        )

    def cell(row: list[Any], what: str) -> Any:
        i = cols.get(what)
        return row[i] if i is not None and i < len(row) else None

    numbers = {_cell_text(cell(r, "loan")) for _n, r in body}
    loans = {
        loan.number: loan
        for loan in Loan.objects.filter(koperasi=koperasi, number__in=numbers).select_related(
            "member", "terms"
        )
    }
    seen: dict[str, int] = {}
    valid: list[dict[str, Any]] = []
    language = get_language()
    loan_letter = _column_letter(cols["loan"])
    amount_letter = _column_letter(cols["amount"])
    for row_no, row in body:
        number = _cell_text(cell(row, "loan"))
        errors: list[RowError] = []
        loan = loans.get(number)
        raw = cell(row, "amount")
        amount = _amount_or_message(type(raw).__name__, raw, language)
        if not number:
            errors.append(
                RowError(
                    sheet, row_no, loan_letter, "nomor_kosong", _("Nomor pinjaman kosong."), ""
                )
            )
        elif loan is None:
            errors.append(
                RowError(
                    sheet,
                    row_no,
                    loan_letter,
                    "pinjaman_tidak_dikenal",
                    _("Nomor pinjaman %(n)s tidak ada di koperasi ini.") % {"n": number},
                    number,
                )
            )
        elif loan.status != LoanStatus.AKTIF:
            errors.append(
                RowError(
                    sheet,
                    row_no,
                    loan_letter,
                    "pinjaman_tidak_berjalan",
                    _("Pinjaman %(n)s tidak sedang berjalan (%(s)s).")
                    % {"n": number, "s": loan.get_status_display()},
                    number,
                )
            )
        elif number in seen:
            errors.append(
                RowError(
                    sheet,
                    row_no,
                    loan_letter,
                    "pinjaman_ganda",
                    _("Pinjaman %(n)s sudah ada di baris %(r)d.")
                    % {"n": number, "r": seen[number]},
                    number,
                )
            )
        member_no = _cell_text(cell(row, "member"))
        if loan is not None and member_no and member_no != loan.member.number:
            errors.append(
                RowError(
                    sheet,
                    row_no,
                    _column_letter(cols["member"]),
                    "anggota_lain",
                    _("Pinjaman %(n)s milik anggota %(m)s, bukan %(x)s.")
                    % {"n": number, "m": loan.member.number, "x": member_no},
                    member_no,
                )
            )
        if isinstance(amount, str):
            errors.append(
                RowError(sheet, row_no, amount_letter, "jumlah_salah", amount, _cell_text(raw))
            )
        elif amount <= 0:
            errors.append(
                RowError(
                    sheet,
                    row_no,
                    amount_letter,
                    "jumlah_kosong",
                    _("Jumlah harus lebih dari nol."),
                    _cell_text(raw),
                )
            )
        elif loan is not None and not errors:
            try:
                plan_payment(loan, open_instalments(loan), amount, on)
            except LoansError as exc:
                errors.append(
                    RowError(
                        sheet,
                        row_no,
                        amount_letter,
                        exc.code or "ditolak",
                        " ".join(exc.messages),
                        _cell_text(raw),
                    )
                )
        if number and number not in seen:
            seen[number] = row_no
        for error in errors:
            log.add(error)
        if not errors and loan is not None and not isinstance(amount, str):
            valid.append(
                {
                    "row": row_no,
                    "loan_id": loan.pk,
                    "loan": loan.number,
                    "name": loan.member.full_name,
                    "amount": str(amount),
                }
            )
    return valid, log


def loan_payroll_preview(
    *,
    koperasi: Koperasi,
    actor: Any,
    filename: str,
    content: bytes | IO[bytes],
    value_date: dt.date | None = None,
    via: str = "bank",
) -> LoanPayrollBatch:
    """Read and check a file of loan instalments and keep it for the preview; nothing posted."""
    if via not in ("bank", "kas"):
        raise LoanPayrollError(_("Sumber dana harus bank atau kas."), code="via")
    on = value_date or business_date(koperasi)
    if on > business_date(koperasi):
        raise LoanPayrollError(_("Tanggal tidak boleh setelah tanggal buku."), code="future")
    with open_workbook(content, filename=filename, limits=LIMITS) as book:
        if not book.sheets:
            raise LoanPayrollError(_("Berkas tidak berisi lembar."), code="file")
        sheet = book.sheets[0].name
        valid, log = check_rows(koperasi, sheet, book.rows(sheet), on)
    total = sum((Decimal(r["amount"]) for r in valid), ZERO)
    with transaction.atomic():
        batch = LoanPayrollBatch.objects.create(
            koperasi=koperasi,
            filename=filename[:200],
            uploaded_by=user_or_none(actor),
            value_date=on,
            source_role=via,
            rows=valid,
            errors=log.kept,
            error_count=log.count,
            error_report=log.report() if log else None,
            total=total,
        )
        audit.record(
            actor=actor,
            action="loans.payroll_preview",
            obj=batch,
            after={"rows": len(valid), "errors": log.count, "total": str(total)},
        )
    return batch


def _record(
    *,
    loan: Loan,
    rows: list[Instalment],
    plan: Plan,
    from_accrued: Decimal,
    entry: JournalEntry,
    memo: str,
    actor: Any,
) -> LoanTransaction:
    """The loan side of one payroll row once the entry is posted (as :func:`loan_repay`)."""
    on = plan.on
    tx = LoanTransaction.objects.create(
        koperasi_id=loan.koperasi_id,
        loan=loan,
        kind=LoanTxKind.POTONG_GAJI,
        value_date=on,
        entry=entry,
        principal=-plan.principal,
        accrued=-from_accrued,
        interest_paid=plan.interest,
        denda_paid=plan.denda,
        fees=plan.penalty,
        memo=memo[:250],
        actor=user_or_none(actor),
    )
    InstalmentMovement.objects.bulk_create(
        InstalmentMovement(
            koperasi_id=loan.koperasi_id,
            transaction=tx,
            instalment=p.instalment,
            principal=p.principal,
            interest=p.interest,
            denda=p.denda,
            interest_cut=p.interest_cut,
        )
        for p in plan.parts.values()
    )
    return tx


@transaction.atomic
def loan_payroll_post(
    *, batch: LoanPayrollBatch, actor: Any, only_valid: bool = False
) -> LoanPayrollBatch:
    """Post a previewed batch in one entry (see the module doc for what happens on errors)."""
    locked = LoanPayrollBatch.objects.select_for_update().defer("error_report").get(pk=batch.pk)
    if locked.status == LoanPayrollBatch.Status.POSTED:
        return locked  # posted already (a double tap): nothing more
    if locked.error_count and not only_valid:
        raise LoanPayrollError(
            _(
                "Ada %(n)d kesalahan dalam berkas; tidak ada yang diposting. Perbaiki berkas dan "
                "unggah lagi, atau pilih posting baris yang benar saja."
            )
            % {"n": locked.error_count},
            code="payroll_errors",
        )
    if not locked.rows:
        raise LoanPayrollError(_("Tidak ada baris yang dapat diposting."), code="payroll_empty")
    koperasi = locked.koperasi
    on = locked.value_date
    booking = Booking(koperasi, on)
    memo = books_text("Angsuran potong gaji %(f)s", f=locked.filename)
    total = ZERO
    done: list[tuple[Loan, list[Instalment], Plan, Decimal]] = []
    paid: list[tuple[Loan, Decimal]] = []
    # Lock order (loans.services._common): the sukarela that may take an excess, then the loans.
    lock_accounts(
        koperasi,
        SavingsAccount.objects.filter(
            koperasi=koperasi,
            kind="sukarela",
            status=SavingsAccount.Status.AKTIF,
            member__loans__pk__in=[r["loan_id"] for r in locked.rows],
            member__loans__terms__excess_to_sukarela=True,
        ).values_list("pk", flat=True),
    )
    for row in sorted(locked.rows, key=lambda r: r["loan_id"]):
        amount = m.money(row["amount"])
        loan = lock_loan(Loan(pk=row["loan_id"], koperasi_id=koperasi.pk))
        try:
            if loan.status != LoanStatus.AKTIF:
                raise LoansError(
                    _("Pinjaman %(n)s tidak sedang berjalan.") % {"n": loan.number},
                    code="loan_closed",
                )
            if loan.disbursed_on and on < loan.disbursed_on:
                raise LoansError(_("Tanggal pembayaran sebelum tanggal pencairan."), code="date")
            rows = open_instalments(loan, lock=True)
            plan = plan_payment(loan, rows, amount, on)
        except LoansError as exc:
            raise LoanPayrollError(
                _("Baris %(row)d (%(n)s): %(msg)s")
                % {"row": row["row"], "n": row["loan"], "msg": " ".join(exc.messages)},
                code="payroll_row",
            ) from exc
        interest = plan.interest
        from_accrued = min(loan.accrued_interest, interest)
        booking.credit(loan.product.ledger_account, plan.principal)
        booking.credit(booking.role("bunga_pinjaman_diterima"), from_accrued)
        booking.credit(booking.role("pendapatan_jasa_pinjaman"), interest - from_accrued)
        booking.credit(booking.role("pendapatan_denda"), plan.denda + plan.penalty)
        if plan.to_sukarela:
            sukarela = sukarela_of(loan.member, actor=actor, on=on, create=True)
            assert sukarela is not None
            booking.pay_in(
                lock_account(sukarela),
                plan.to_sukarela,
                memo=books_text("Kelebihan bayar pinjaman %(n)s", n=loan.number),
            )
        total += amount
        done.append((loan, rows, plan, from_accrued))
        paid.append((loan, amount))
    booking.cash(locked.source_role, total)
    entry = booking.post(
        kind=PAYROLL,
        memo=memo,
        actor=actor,
        idempotency_key=f"loans.payroll:{locked.pk}",
        source=f"loans.LoanPayrollBatch:{locked.pk}",
    )
    lunas_count = 0
    for loan, rows, plan, from_accrued in done:
        loan.outstanding_principal -= plan.principal
        loan.accrued_interest -= from_accrued
        lunas = (
            loan.outstanding_principal == 0
            and loan.accrued_interest == 0
            and all(r.denda_due - r.denda_waived - r.denda_paid == 0 for r in rows)
        )
        if lunas:
            for r in rows:
                plan.cut(r)
        for r in rows:
            if (
                r.pk in plan.parts
                and r.principal_due == r.principal_paid
                and r.interest_due == r.interest_paid
                and r.paid_on is None
            ):
                r.paid_on = on
        Instalment.objects.bulk_update(
            [plan.parts[pk].instalment for pk in plan.parts],
            ["principal_paid", "interest_paid", "denda_paid", "interest_due", "paid_on"],
        )
        if lunas:
            loan.status = LoanStatus.LUNAS
            loan.closed_on = on
            lunas_count += 1
        loan.on_time_streak = on_time_streak(rows, on, version=loan.schedule_version)
        loan.save(
            update_fields=[
                "outstanding_principal",
                "accrued_interest",
                "status",
                "closed_on",
                "on_time_streak",
            ]
        )
        _record(
            loan=loan,
            rows=rows,
            plan=plan,
            from_accrued=from_accrued,
            entry=entry,
            memo=books_text("%(m)s — %(n)s", m=memo, n=loan.number),
            actor=actor,
        )
        if lunas:
            LoanEvent.objects.create(
                koperasi_id=koperasi.pk,
                loan=loan,
                kind="lunas",
                on=on,
                actor=user_or_none(actor),
                data={"entry": entry.number, "payroll": locked.pk},
            )
    members = Member.objects.filter(pk__in=[loan.member_id for loan, _a in paid]).only(
        "pk", "phone", "notify_channel"
    )
    by_pk = {member.pk: member for member in members}
    notices.loan_payroll_receipts(
        koperasi=koperasi,
        entry=entry,
        on=on,
        rows=((by_pk[loan.member_id], loan, amount) for loan, amount in paid),
    )
    locked.status = LoanPayrollBatch.Status.POSTED
    locked.entry = entry
    locked.posted_at = timezone.now()
    locked.posted_only_valid = bool(locked.error_count)
    locked.total = total
    locked.save()
    audit.record(
        actor=actor,
        action="loans.payroll_post",
        obj=locked,
        after={
            "entry": entry.number,
            "total": str(total),
            "rows": len(locked.rows),
            "lunas": lunas_count,
        },
    )
    return locked


__all__ = [
    "PAYROLL",
    "LoanPayrollError",
    "check_rows",
    "loan_payroll_post",
    "loan_payroll_preview",
    "rupiah",
]
