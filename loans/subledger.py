"""Loans as a sub-ledger of the books (see :mod:`ledger.subledgers`).

Control accounts: each product's portfolio account (Σ outstanding principal of its loans), the
accrued loan interest (role ``bunga_pinjaman_diterima``, 1.1.05: Σ accrued interest) and the
allowance (role ``penyisihan_pinjaman``, 1.1.04: Σ allowance, a contra-asset). Entries of kind
``loans.*`` are undone only by :mod:`loans.services.void`.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from core.money import ZERO
from ledger import selectors as ledger_selectors
from ledger.models import Account as LedgerAccount
from ledger.models import JournalEntry, RoleMapping
from ledger.subledgers import ControlCheck, SubLedger, normal_side_balance
from loans.models import Loan, LoanProduct, LoanTransaction
from registry.models import Koperasi

NAME = "loans"
ACCRUED_ROLE = "bunga_pinjaman_diterima"
ALLOWANCE_ROLE = "penyisihan_pinjaman"


def _label() -> str:
    return _("pinjaman anggota")


def _undo_page() -> str:
    return _("tombol Batalkan pada struk transaksi pinjaman, disetujui pengurus")


def _role_account(koperasi: Koperasi, role: str) -> LedgerAccount | None:
    mapping = (
        RoleMapping.objects.filter(koperasi=koperasi, role=role).select_related("account").first()
    )
    return None if mapping is None else mapping.account


def control_accounts(koperasi: Koperasi) -> dict[int, str]:
    page = _("halaman Pinjaman (pencairan, angsuran di Kasir, pelunasan, tutup hari)")
    found = {
        account_id: page
        for account_id in LoanProduct.objects.filter(koperasi=koperasi).values_list(
            "ledger_account_id", flat=True
        )
    }
    for role in (ACCRUED_ROLE, ALLOWANCE_ROLE):
        account = _role_account(koperasi, role)
        if account is not None:
            found.setdefault(account.pk, page)
    return found


def reconcile(koperasi: Koperasi) -> list[ControlCheck]:
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    names: dict[int, list[str]] = defaultdict(list)
    for product in LoanProduct.objects.filter(koperasi=koperasi).order_by("code"):
        totals[product.ledger_account_id] += ZERO
        names[product.ledger_account_id].append(product.name)
    for ledger_id, total in (
        Loan.objects.filter(koperasi=koperasi)
        .values("product__ledger_account_id")
        .annotate(s=Sum("outstanding_principal"))
        .values_list("product__ledger_account_id", "s")
    ):
        totals[ledger_id] += total or ZERO
    figures = Loan.objects.filter(koperasi=koperasi).aggregate(
        accrued=Sum("accrued_interest"), allowance=Sum("allowance")
    )
    books = ledger_selectors.balances(koperasi=koperasi)
    accounts = LedgerAccount.objects.in_bulk(list(totals))
    checks = [
        ControlCheck(
            subledger=NAME,
            account=accounts[ledger_id],
            label=_("sisa pokok pinjaman %(produk)s") % {"produk": ", ".join(names[ledger_id])},
            subledger_total=total,
            ledger_balance=normal_side_balance(accounts[ledger_id], books.get(ledger_id, ZERO)),
        )
        for ledger_id, total in totals.items()
    ]
    for role, label, total in (
        (ACCRUED_ROLE, _("bunga pinjaman akrual belum dibayar"), figures["accrued"]),
        (ALLOWANCE_ROLE, _("PPAP pinjaman"), figures["allowance"]),
    ):
        account = _role_account(koperasi, role)
        if account is None or account.pk in totals:
            continue
        # The allowance (1.1.04) is a contra-asset with a credit normal side: positive here.
        ledger_balance = normal_side_balance(account, books.get(account.pk, ZERO))
        checks.append(
            ControlCheck(
                subledger=NAME,
                account=account,
                label=label,
                subledger_total=total or ZERO,
                ledger_balance=ledger_balance,
            )
        )
    return checks


def undo_url(entry: JournalEntry) -> str | None:
    from loans.services.void import VOIDABLE

    tx = (
        LoanTransaction.objects.filter(entry=entry, voids__isnull=True, kind__in=VOIDABLE)
        .order_by("pk")
        .first()
    )
    if tx is None:
        return None
    code = Koperasi.objects.values_list("code", flat=True).get(pk=entry.koperasi_id)
    return reverse("loans:receipt", kwargs={"kode": code, "loan_tx_id": tx.pk})


LOANS = SubLedger(
    name=NAME,
    label=_label,
    kind_prefixes=("loans.",),
    undo_page=_undo_page,
    control_accounts=control_accounts,
    reconcile=reconcile,
    undo_url=undo_url,
)


def drawer_cash(session: Any) -> list[tuple[str, Decimal, int]]:
    """Loan cash through a kasir's drawer, per kind and direction (savings' drawer sums it)."""
    labels = dict(LoanTransaction.Kind.choices)
    return [
        (_("Pinjaman: %(k)s") % {"k": labels.get(kind, kind)}, total, count)
        for kind, _into, total, count in _drawer_rows(session)
    ]


def _drawer_rows(session: Any) -> list[tuple[str, bool, Decimal, int]]:
    from django.db.models import Count, Q

    found: list[tuple[str, bool, Decimal, int]] = []
    qs = LoanTransaction.objects.filter(session=session).exclude(cash=0)
    for into in (True, False):
        part = qs.filter(Q(cash__gt=0) if into else Q(cash__lt=0))
        for row in part.values("kind").annotate(s=Sum("cash"), n=Count("id")).order_by("kind"):
            found.append((row["kind"], into, row["s"] or ZERO, row["n"]))
    return found
