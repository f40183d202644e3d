"""Savings as a sub-ledger of the books (see :mod:`ledger.subledgers`).

Control accounts: each product's ledger account (its members' balances, plus, for wajib, the
arrears billed but unpaid) and the wajib receivable (``piutang_simpanan_wajib``: the arrears).
Entries of kind ``savings.*`` are undone only by :mod:`savings.services.void`, which moves the
members' balances with the books.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import F, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from core.fields import MoneyField
from core.money import ZERO
from ledger import selectors as ledger_selectors
from ledger.models import Account as LedgerAccount
from ledger.models import JournalEntry, RoleMapping
from ledger.subledgers import ControlCheck, SubLedger, normal_side_balance
from registry.models import Koperasi
from savings.models import Account, Obligation, ObligationKind, Product, Transaction

NAME = "savings"
RECEIVABLE_ROLE = "piutang_simpanan_wajib"


def _label() -> str:
    return _("simpanan anggota")


def _undo_page() -> str:
    return _("tombol Batalkan pada struk transaksi simpanan (Kasir › struk), disetujui pengurus")


def _receivable(koperasi: Koperasi) -> LedgerAccount | None:
    mapping = (
        RoleMapping.objects.filter(koperasi=koperasi, role=RECEIVABLE_ROLE)
        .select_related("account")
        .first()
    )
    return None if mapping is None else mapping.account


def control_accounts(koperasi: Koperasi) -> dict[int, str]:
    page = _("halaman Kasir dan Simpanan (setor, tarik, pindah buku, potong gaji, akhir bulan)")
    found = {
        account_id: page
        for account_id in Product.objects.filter(koperasi=koperasi).values_list(
            "ledger_account_id", flat=True
        )
    }
    receivable = _receivable(koperasi)
    if receivable is not None:
        found.setdefault(
            receivable.pk,
            _("tagihan simpanan wajib (akhir bulan) dan setoran simpanan wajib di Kasir"),
        )
    return found


def reconcile(koperasi: Koperasi) -> list[ControlCheck]:
    """Per control account: the members' side (balances, plus wajib arrears) beside the books."""
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    names: dict[int, list[str]] = defaultdict(list)
    for product in Product.objects.filter(koperasi=koperasi).order_by("code"):
        totals[product.ledger_account_id] += ZERO
        names[product.ledger_account_id].append(product.name)
    for ledger_id, total in (
        Account.objects.filter(koperasi=koperasi)
        .values("product__ledger_account_id")
        .annotate(s=Sum("balance"))
        .values_list("product__ledger_account_id", "s")
    ):
        totals[ledger_id] += total or ZERO
    arrears_total = ZERO
    for ledger_id, arrears in (
        Obligation.objects.filter(
            koperasi=koperasi, kind=ObligationKind.WAJIB, cancelled=False, paid__lt=F("amount")
        )
        .values("account__product__ledger_account_id")
        .annotate(s=Sum(F("amount") - F("paid"), output_field=MoneyField()))
        .values_list("account__product__ledger_account_id", "s")
    ):
        totals[ledger_id] += arrears or ZERO
        arrears_total += arrears or ZERO
    books = ledger_selectors.balances(koperasi=koperasi)
    accounts = LedgerAccount.objects.in_bulk(list(totals))
    checks = [
        ControlCheck(
            subledger=NAME,
            account=accounts[ledger_id],
            label=_("saldo rekening %(produk)s (dan tunggakan wajib)")
            % {"produk": ", ".join(names[ledger_id])},
            subledger_total=total,
            ledger_balance=normal_side_balance(accounts[ledger_id], books.get(ledger_id, ZERO)),
        )
        for ledger_id, total in totals.items()
    ]
    receivable = _receivable(koperasi)
    if receivable is not None and receivable.pk not in totals:
        checks.append(
            ControlCheck(
                subledger=NAME,
                account=receivable,
                label=_("tunggakan simpanan wajib anggota"),
                subledger_total=arrears_total,
                ledger_balance=normal_side_balance(receivable, books.get(receivable.pk, ZERO)),
            )
        )
    return checks


def undo_url(entry: JournalEntry) -> str | None:
    from savings.services.void import VOIDABLE

    if entry.kind not in VOIDABLE:
        return None
    tx_id = (
        Transaction.objects.filter(entry=entry, voids__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    if tx_id is None:
        return None
    code = Koperasi.objects.values_list("code", flat=True).get(pk=entry.koperasi_id)
    return reverse("savings:void_request", kwargs={"kode": code, "transaction_id": tx_id})


SAVINGS = SubLedger(
    name=NAME,
    label=_label,
    kind_prefixes=("savings.",),
    undo_page=_undo_page,
    control_accounts=control_accounts,
    reconcile=reconcile,
    undo_url=undo_url,
)
