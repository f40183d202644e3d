"""Simpanan berjangka placements brought in from a legacy sheet.

Each row is one running placement: member, amount, the start of its current term (tanggal
penempatan), the term in months, the rate (% a year) and, optionally, its number (no. bilyet,
the key a repeat import knows it by) and what happens at maturity. It becomes a berjangka
account as :mod:`savings.services.berjangka` models one: the row's rate **locked** for the term
(``rate_bp``), ``term_start``, ``maturity_date`` = start + term, ``at_maturity`` (the row's
choice, else the product's), and its opening balance booked against the migration clearing
account with the other savings (``book_opening_balances``). The month end then credits its
interest from the migration date on, and matures or rolls it over on its day.

Refused, each with its reason as data: a placement that already matured before the migration
date (the legacy books should have paid it out or rolled it over: the row gives the current
term's start), a rate above the 9% cap, a term outside 1–120 months, a start after the
migration date, a number another account of the koperasi already has.

Interest the legacy books credited during the current term is not in the file: ``term_interest``
starts at zero, so an early break forfeits the product's share of the interest Kopdig credits.
Without a placement number the key is the member, start, amount and term.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from core.books import books_text
from core.money import ZERO
from members.models import Member
from migration.models import RecordKind
from migration.reading import ReadSheet, Record
from migration.services.result import ALREADY
from migration.table import norm
from savings.models import RATE_CAP_BP, AtMaturity, Kind, Product
from savings.models import Account as SavingsAccount
from savings.services import product_create as savings_product_create
from savings.services._bulk import insert_rows, now
from savings.services._common import add_months, terms_in_force
from savings.services.opening import book_opening_balances

if TYPE_CHECKING:
    from migration.services.importing import _Import

FIGURE = "simpanan_berjangka"
KEY_PREFIX = "berjangka:"  # a placement's MigrationRecord key (savings accounts: member:CODE)
DEFAULT_PRODUCT: tuple[str, str, dict[str, Any]] = (
    "SB",
    "Simpanan Berjangka",
    {
        "rate_percent": Decimal("5.5"),
        "tenors": [3, 6, 12],
        "early_penalty_percent": Decimal("10"),
        "at_maturity": AtMaturity.TO_SUKARELA,
    },
)
MAX_TERM = 120


@dataclass(slots=True)
class Placement:
    key: str
    member_key: str
    number: str  # the placement number, or "" (an account number is made)
    product: Product
    amount: Decimal
    placed_on: dt.date
    term: int
    rate_bp: int
    maturity: dt.date
    at_maturity: str
    sheet: ReadSheet
    record: Record


def _reject(
    run: _Import, sheet: ReadSheet, record: Record, column: str, code: str, msg: str
) -> None:
    from migration.services.importing import _reject as reject

    reject(run.book, sheet, record, column, code, msg)


def _product(run: _Import, text: str | None) -> Product | None:
    """The berjangka product a row names (code or name), else the koperasi's first; made from
    :data:`DEFAULT_PRODUCT` when it has none."""
    products = sorted(
        (p for p in run.all_products.values() if p.kind == Kind.BERJANGKA), key=lambda p: p.pk
    )
    if text:
        wanted = norm(text)
        found = [p for p in products if wanted in (norm(p.code), norm(p.name))]
        if found:
            return found[0]
        if wanted not in ("berjangka", "simpanan berjangka", "deposito"):
            return None
    if products:
        return products[0]
    code, name, terms = DEFAULT_PRODUCT
    while Product.objects.filter(koperasi=run.koperasi, code=code).exists():
        code += "M"
    product = savings_product_create(
        koperasi=run.koperasi,
        actor=run.actor,
        code=code,
        name=name,
        kind=Kind.BERJANGKA,
        effective_from=run.on,
        **terms,
    )
    run.all_products[product.pk] = product
    return product


def _key(member_key: str, v: dict[str, object]) -> str:
    number = v.get("placement_number")
    if number:
        return " ".join(str(number).split()).upper()
    placed = v["placed_on"]
    assert isinstance(placed, dt.date)
    return f"{member_key}:{placed.isoformat()}:{v['amount']}:{v['term']}"


def check(run: _Import) -> None:
    """Every placement row read and checked (after the members are); fills
    ``run.new_placements`` and the figure the file states."""
    run.new_placements = []
    sheets = [s for s in run.book.of_kind("term_deposits") if s.records]
    # A savings sheet's berjangka rows (refused there) are what the file states too; only a
    # koperasi with a berjangka product can have them (``_Import._product_of``).
    berjangka = any(p.kind == Kind.BERJANGKA for p in run.all_products.values())
    for sheet in run.book.of_kind("savings") if berjangka else ():
        for record in sheet.records:
            product = run._product_of(record.values.get("product"))
            if product is not None and product.kind == Kind.BERJANGKA:
                run.sources[FIGURE] += record.values.get("balance") or ZERO
    if not sheets:
        return
    numbers = dict(
        SavingsAccount.objects.filter(
            koperasi=run.koperasi, status=SavingsAccount.Status.AKTIF
        ).values_list("number", "pk")
    )
    for sheet in sheets:
        for record in run.ticker.rows(sheet.records):
            v = record.values
            run.sources[FIGURE] += v.get("amount") or ZERO
            if record.rejected:
                continue
            member = run._member_known(sheet, record)
            if member is None:
                continue
            key = _key(member, v)
            if (RecordKind.SAVINGS_ACCOUNT, KEY_PREFIX + key) in run.records:
                run.status[sheet.name][record.row] = ALREADY
                continue
            placement = _placement(run, sheet, record, member, key, numbers)
            if placement is not None:
                run.new_placements.append(placement)


def _placement(
    run: _Import,
    sheet: ReadSheet,
    record: Record,
    member: str,
    key: str,
    numbers: dict[str, int],
) -> Placement | None:
    v = record.values
    number = str(v.get("placement_number") or "")
    amount: Decimal = v["amount"]
    placed: dt.date = v["placed_on"]
    term: int = v["term"]
    rate: Decimal = v["rate"]
    if len(number) > 60:
        _reject(run, sheet, record, "placement_number", "placement_number_too_long",
                _("Nomor bilyet paling banyak 60 huruf."))  # fmt: skip
    elif number and number in numbers:
        _reject(run, sheet, record, "placement_number", "placement_exists",
                _("Nomor %(n)s sudah dipakai rekening lain di Kopdig.")
                % {"n": number})  # fmt: skip
    if amount <= 0:
        _reject(run, sheet, record, "amount", "amount_not_positive",
                _("Nominal penempatan harus lebih dari nol."))  # fmt: skip
    if placed > run.on:
        _reject(run, sheet, record, "placed_on", "placed_future",
                _("Tanggal penempatan sesudah tanggal migrasi (%(d)s).")
                % {"d": run.on.strftime("%d/%m/%Y")})  # fmt: skip
    if not 1 <= term <= MAX_TERM:
        _reject(run, sheet, record, "term", "term_invalid",
                _("Jangka waktu harus 1 sampai %(max)s bulan.") % {"max": MAX_TERM})  # fmt: skip
    rate_bp = rate * 100
    if rate_bp != rate_bp.to_integral_value():
        _reject(run, sheet, record, "rate", "rate_precision",
                _("Bunga ditulis dengan paling banyak dua angka di belakang koma."))  # fmt: skip
    elif rate_bp > RATE_CAP_BP:
        _reject(run, sheet, record, "rate", "rate_above_cap",
                _("Bunga simpanan paling tinggi 9%% setahun (Permenkop UKM 8/2023 Pasal 26); "
                  "yang tertulis %(r)s%% setahun.")
                % {"r": str(rate.normalize()).replace(".", ",")})  # fmt: skip
    if record.rejected:
        return None
    maturity = add_months(placed, term)
    if maturity < run.on:
        _reject(run, sheet, record, "placed_on", "placement_matured",
                _("Penempatan ini sudah jatuh tempo pada %(m)s, sebelum tanggal migrasi (%(d)s). "
                  "Jika sudah diperpanjang, tulis tanggal mulai jangka yang sekarang; jika sudah "
                  "dicairkan, hapus barisnya.")
                % {"m": maturity.strftime("%d/%m/%Y"),
                   "d": run.on.strftime("%d/%m/%Y")})  # fmt: skip
        return None
    stated = v.get("maturity_on")
    if stated is not None and stated != maturity:
        _reject(run, sheet, record, "maturity_on", "maturity_disagree",
                _("Jatuh tempo %(s)s tidak sesuai: %(n)s bulan sejak %(p)s jatuh tempo %(m)s.")
                % {"s": stated.strftime("%d/%m/%Y"), "n": term, "p": placed.strftime("%d/%m/%Y"),
                   "m": maturity.strftime("%d/%m/%Y")})  # fmt: skip
        return None
    product = _product(run, v.get("product"))
    if product is None:
        _reject(run, sheet, record, "product", "product_unknown",
                _("Produk simpanan berjangka “%(p)s” tidak dikenal. Tulis kode atau nama produk "
                  "berjangka di Kopdig, atau kosongkan.") % {"p": v.get("product")})  # fmt: skip
        return None
    choice = v.get("at_maturity") or terms_in_force(product, run.on).at_maturity
    return Placement(
        key, member, number, product, amount, placed, term, int(rate_bp), maturity,
        choice or AtMaturity.TO_SUKARELA, sheet, record,
    )  # fmt: skip


def write(run: _Import) -> None:
    """The placements as berjangka accounts with their opening entry and records (inside the
    import's transaction, after the members are written)."""
    from migration.services.importing import _ct, _max_pk

    placements = [p for p in run.new_placements if p.member_key in run.members_db]
    if not placements:
        return
    run.created["term_deposits"] = len(placements)
    run.ticker.step(_("Menulis simpanan berjangka"))
    numbers = set(
        SavingsAccount.objects.filter(koperasi=run.koperasi).values_list("number", flat=True)
    )
    member_numbers = dict(
        Member.objects.filter(
            pk__in={run.members_db[p.member_key] for p in placements}
        ).values_list("pk", "number")
    )
    created = now()
    rows = []
    chosen: list[str] = []
    for p in placements:
        member_pk = run.members_db[p.member_key]
        # The placement number is the account number; a closed account of a reverted batch
        # may hold it still, and a placement without one is named by its member and product.
        base = p.number or f"{member_numbers[member_pk]}-{p.product.code}"
        number, n = base, 1
        while number in numbers:
            n += 1
            number = f"{base}-{n}"
        numbers.add(number)
        chosen.append(number)
        rows.append(
            (
                run.koperasi.pk, member_pk, p.product.pk, Kind.BERJANGKA, number, p.amount,
                ZERO, SavingsAccount.Status.AKTIF, run.on, "", ZERO, ZERO, p.at_maturity,
                created, p.term, p.rate_bp, p.placed_on, p.maturity,
            )
        )  # fmt: skip
    before = _max_pk(SavingsAccount)
    insert_rows(
        SavingsAccount,
        (
            "koperasi_id", "member_id", "product_id", "kind", "number", "balance", "floor",
            "status", "opened_on", "close_reason", "prepaid", "term_interest", "at_maturity",
            "created_at", "tenor_months", "rate_bp", "term_start", "maturity_date",
        ),
        rows,
    )  # fmt: skip
    new = SavingsAccount.objects.filter(koperasi=run.koperasi, pk__gt=before)
    pks = dict(new.values_list("number", "pk"))
    entry = book_opening_balances(
        koperasi=run.koperasi,
        on=run.on,
        actor=run.actor,
        kind="migration.savings",
        memo=books_text("Saldo awal simpanan berjangka dari migrasi %(f)s", f=run.batch.filename)[
            :250
        ],
        movement_memo=books_text("Saldo awal migrasi"),
        accounts=new,
        against_role="kliring_migrasi",
        movements=not run.dry_run,  # as the other savings: the plan's figures are the books'
    )
    run._entry(entry.pk)
    ct = _ct(SavingsAccount)
    for p, number in zip(placements, chosen, strict=True):
        run.new_records.append(
            (RecordKind.SAVINGS_ACCOUNT, KEY_PREFIX + p.key, p.sheet.name, p.record.row, ct,
             pks[number])
        )  # fmt: skip
        run._mark(p.sheet, p.record)
    run.ticker.step(_("Menulis simpanan berjangka"), len(placements))
