"""Plan and commit: a read workbook brought into one koperasi's books.

The file is read first, outside any write transaction (:func:`migration.reading.read_workbook`,
limits checked before parsing). Then, in **one transaction**, everything is written as the
commit would write it: the chart and default products when missing, members, savings accounts
with their opening balances, running loans with their schedules, the legacy trial balance as
opening entries against the migration clearing account, and what the reconciliation cannot
explain moved to the suspense account *selisih migrasi*. A plan (dry run) does exactly this and
rolls the transaction back, so its figures are the commit's; so does a commit refused because
rows were rejected. A process killed half-way leaves nothing, and running it again finishes.

Every object created is named by a :class:`~migration.models.MigrationRecord` under its legacy
key: a row whose key came in before is not written again (a second import of the same file
creates nothing; after fixing rejected rows only those come in).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.books import books_text
from core.dates import business_date, local_today
from core.money import ZERO, format_rupiah
from core.spreadsheet import SpreadsheetError
from ledger import selectors as ledger_selectors
from ledger import services as ledger
from ledger.models import Account as LedgerAccount
from ledger.models import JournalEntry, Posting, RoleMapping
from loans.models import Loan, LoanProduct, LoanProductTerms
from loans.services import product_create as loan_product_create
from loans.services.closing import thresholds as loan_thresholds
from loans.services.migrated import (
    MigratedLoan,
    MigratedLoanError,
    MigratedState,
    loans_migrate,
    migrated_state,
)
from members.models import Member
from migration.checks import check_book, member_key
from migration.models import BatchStatus, MigrationBatch, MigrationRecord, RecordKind
from migration.reading import Problem, ReadBook, ReadSheet, Record, read_workbook
from migration.services import arrears, term_deposits
from migration.services.figures import refresh_figures
from migration.services.result import (
    ALREADY,
    IGNORED,
    IMPORTED,
    REJECTED,
    Figure,
    LedgerLine,
    MigrationError,
    MigrationResult,
    SheetResult,
)
from migration.services.reverting import REVERTED_REASON
from migration.table import norm
from registry.models import Koperasi
from registry.services import digital_stage_set
from savings.models import Account as SavingsAccount
from savings.models import Kind, Product
from savings.services import product_create as savings_product_create
from savings.services._bulk import fetch_rows, insert_rows, now
from savings.services.opening import book_opening_balances

Progress = Callable[[int, int, str], None]

SAVINGS_KINDS = (Kind.POKOK, Kind.WAJIB, Kind.SUKARELA)
ENTRY_KINDS = ("migration.savings", "migration.loans", "migration.opening", "migration.selisih")
SYSTEM_USERS = ("sistem.migrasi", "sistem.migrasi.perintah")

# Trial-balance account names koperasi use, to the role of the Kopdig account they are.
TB_WORDS: tuple[tuple[str, str], ...] = (
    ("kliring", "kliring_migrasi"),
    ("piutang simpanan wajib", "piutang_simpanan_wajib"),
    ("piutang wajib", "piutang_simpanan_wajib"),
    ("tunggakan simpanan wajib", "piutang_simpanan_wajib"),
    ("selisih migrasi", "selisih_migrasi"),
    ("simpanan pokok", "simpanan_pokok"),
    ("simpanan wajib", "simpanan_wajib"),
    ("simpanan sukarela", "simpanan_sukarela"),
    ("tabungan", "simpanan_sukarela"),
    ("simpanan berjangka", "simpanan_berjangka"),
    ("deposito", "simpanan_berjangka"),
    ("penyisihan", "penyisihan_pinjaman"),
    ("ppap", "penyisihan_pinjaman"),
    ("piutang anggota", "pinjaman_anggota"),
    ("pinjaman anggota", "pinjaman_anggota"),
    ("pinjaman yang diberikan", "pinjaman_anggota"),
    ("piutang pinjaman", "pinjaman_anggota"),
    ("kas", "kas"),
    ("bank", "bank"),
    ("shu", "shu_tahun_berjalan"),
    ("jasa pinjaman", "pendapatan_jasa_pinjaman"),
    ("pendapatan bunga", "pendapatan_jasa_pinjaman"),
    ("bunga simpanan", "beban_bunga_simpanan"),
)
# The sub-ledger figures a trial balance states and the import itself brings in: compared in
# the reconciliation, never posted from the trial balance (they would be counted twice).
CONTROL_ROLES = (
    "simpanan_pokok",
    "simpanan_wajib",
    "simpanan_sukarela",
    "pinjaman_anggota",
    arrears.FIGURE,  # the members' wajib arrears (migration.services.arrears)
    term_deposits.FIGURE,  # the placements (migration.services.term_deposits)
)
DEFAULT_SAVINGS: dict[str, tuple[str, str, dict[str, Any]]] = {
    Kind.POKOK: ("SP", "Simpanan Pokok", {"pokok_amount": Decimal("100000")}),
    Kind.WAJIB: ("SW", "Simpanan Wajib", {"wajib_amount": Decimal("50000")}),
    Kind.SUKARELA: ("SS", "Simpanan Sukarela", {}),
}
DEFAULT_LOAN = (
    "PU",
    "Pinjaman Umum",
    {
        "method": "flat",
        "rate_percent": Decimal("1.5"),
        "rate_per": "bulan",
        "frequency": "bulanan",
        "min_tenor": 1,
        "max_tenor": 120,
        "min_amount": Decimal("100000"),
        "max_amount": Decimal("500000000"),
    },
)
TICK = 2_000  # rows between two progress calls


def source_sha256(source: bytes) -> str:
    return hashlib.sha256(source).hexdigest()


class _Ticker:
    def __init__(self, report: Progress | None, total: int) -> None:
        self.report = report
        self.total = max(total, 1)
        self.done = 0
        self.label = ""

    def step(self, label: str, rows: int = 0) -> None:
        self.label = label
        self.done = min(self.total, self.done + rows)
        if self.report is not None:
            self.report(self.done, self.total, label)

    def rows(self, records: Iterable[Record]) -> Iterable[Record]:
        for n, record in enumerate(records, 1):
            yield record
            if n % TICK == 0:
                self.step(self.label, TICK)


@dataclass(slots=True)
class _NewMember:
    record: Record
    sheet: ReadSheet
    key: str
    number: str
    name: str
    nik: str
    birth_date: dt.date
    gender: str
    phone: str
    address: str
    join_date: dt.date


@dataclass(slots=True)
class _NewAccount:
    key: str  # member key : product code
    member_key: str
    product: Product
    balance: Decimal
    origin: tuple[str, int]  # sheet, row
    records: list[tuple[ReadSheet, Record]] = field(default_factory=list)


@dataclass(slots=True)
class _NewLoan:
    key: str
    record: Record
    sheet: ReadSheet
    loan: MigratedLoan
    member_key: str
    state: MigratedState | None = None


@dataclass
class _TbLine:
    key: str  # the Kopdig account code
    account: LedgerAccount
    amount: Decimal  # debit-positive
    origin: tuple[str, int]
    records: list[tuple[ReadSheet, Record]] = field(default_factory=list)


def _reject(
    book: ReadBook, sheet: ReadSheet, record: Record, column: str, code: str, message: str
) -> None:
    record.rejected = True
    label = sheet.column_name(column) if sheet.header and column in sheet.header.columns else ""
    book.add(Problem(sheet.name, record.row, label, code, message, record.raw.get(column, "")))


def _system_user(username: str) -> Any:
    users = get_user_model()
    user = users.objects.filter(username=username).first()
    if user is None:
        user = users(username=username, is_active=False)
        user.set_unusable_password()
        user.save()
    return user


def _loan_key(number: object) -> str:
    return " ".join(str(number).split()).upper()


class _Import:
    """One run of the import inside the caller's transaction."""

    def __init__(
        self,
        koperasi: Koperasi,
        book: ReadBook,
        *,
        actor: Any,
        on: dt.date,
        ticker: _Ticker,
        result: MigrationResult,
        dry_run: bool = False,
    ) -> None:
        self.koperasi = koperasi
        # A plan is rolled back: rows that no figure of it reads (opening movements, loan
        # schedules, migration records) are left unwritten; everything counted, posted or
        # checked by the database is written as the commit writes it.
        self.dry_run = dry_run
        self.book = book
        self.actor = actor
        self.on = on
        self.ticker = ticker
        self.result = result
        self.status: dict[str, dict[int, str]] = defaultdict(dict)
        self.imported: dict[str, int] = defaultdict(int)  # sheet → rows brought in
        self.created: dict[str, int] = defaultdict(int)
        self.sources: dict[str, Decimal] = defaultdict(Decimal)  # figures the file states
        self.wajib_arrears: dict[str, arrears.Arrears] = {}  # member key → unpaid wajib
        self.new_placements: list[term_deposits.Placement] = []

    # --- setting up -------------------------------------------------------------------------

    def setup(self) -> None:
        ledger.chart_setup(koperasi=self.koperasi, actor=self.actor)
        self.products: dict[str, Product] = {}
        for kind in SAVINGS_KINDS:
            found = (
                Product.objects.filter(koperasi=self.koperasi, kind=kind, is_active=True)
                .order_by("pk")
                .first()
            )
            if found is None:
                code, name, terms = DEFAULT_SAVINGS[kind]
                while Product.objects.filter(koperasi=self.koperasi, code=code).exists():
                    code += "M"
                found = savings_product_create(
                    koperasi=self.koperasi,
                    actor=self.actor,
                    code=code,
                    name=name,
                    kind=kind,
                    effective_from=self.on,
                    **terms,
                )
            self.products[kind] = found
        self.all_products = {
            p.pk: p for p in Product.objects.filter(koperasi=self.koperasi, is_active=True)
        }
        self.loan_product: LoanProduct | None = None
        self.loan_terms: LoanProductTerms | None = None

    def _loan_product(self) -> tuple[LoanProduct, LoanProductTerms]:
        if self.loan_product is None:
            product = (
                LoanProduct.objects.filter(koperasi=self.koperasi, is_active=True)
                .order_by("pk")
                .first()
            )
            if product is None:
                code, name, terms = DEFAULT_LOAN
                product = loan_product_create(
                    koperasi=self.koperasi,
                    actor=self.actor,
                    code=code,
                    name=name,
                    effective_from=self.on,
                    **terms,
                )
            self.loan_product = product
            self.loan_terms = product.terms.order_by("-effective_from").first()
        assert self.loan_terms is not None
        return self.loan_product, self.loan_terms

    def load_state(self) -> None:
        self.records: dict[tuple[str, str], int] = {
            (kind, key): object_id
            for kind, key, object_id in MigrationRecord.objects.filter(
                koperasi=self.koperasi
            ).values_list("kind", "legacy_key", "object_id")
        }
        self.members_db: dict[str, int] = {}
        self.niks_db: dict[str, str] = {}
        for pk, number, nik in Member.objects.filter(koperasi=self.koperasi).values_list(
            "pk", "number", "nik"
        ):
            self.members_db[member_key(number)] = pk
            self.niks_db[nik] = number
        self.reverted_members = {
            member_key(number): pk
            for pk, number in Member.objects.filter(
                koperasi=self.koperasi,
                status=Member.Status.KELUAR,
                left_reason__startswith=REVERTED_REASON,
            ).values_list("pk", "number")
        }
        self.accounts_db = set(
            SavingsAccount.objects.filter(
                koperasi=self.koperasi, status=SavingsAccount.Status.AKTIF
            ).values_list("member_id", "product_id")
        )
        self.loans_db = {
            _loan_key(n)
            for n in Loan.objects.filter(koperasi=self.koperasi).values_list("number", flat=True)
        }

    # --- rows -------------------------------------------------------------------------------

    def members(self) -> None:
        self.new_members: dict[str, _NewMember] = {}
        self.rejected_members: dict[str, tuple[ReadSheet, Record]] = {}
        niks_here: dict[str, str] = {}
        self.ticker.step(_("Memeriksa anggota"))
        for sheet in self.book.of_kind("members"):
            for record in self.ticker.rows(sheet.records):
                number = record.values.get("number")
                if number is None:
                    continue
                key = member_key(number)
                if not record.rejected:
                    self._member(sheet, record, key, str(number), niks_here)
                if record.rejected:
                    self.rejected_members.setdefault(key, (sheet, record))

    def _member(
        self, sheet: ReadSheet, record: Record, key: str, number: str, niks: dict[str, str]
    ) -> None:
        v = record.values
        book = self.book
        if (RecordKind.MEMBER, key) in self.records:
            self.status[sheet.name][record.row] = ALREADY
            return
        if key in self.members_db and key not in self.reverted_members:
            _reject(book, sheet, record, "number", "member_exists",
                    _("Nomor anggota %(n)s sudah terdaftar di Kopdig (bukan dari migrasi). "
                      "Hapus baris ini atau pakai nomor lain.") % {"n": number})  # fmt: skip
            return
        if len(number) > 30:
            _reject(book, sheet, record, "number", "number_too_long",
                    _("Nomor anggota paling banyak 30 huruf."))  # fmt: skip
        name = v.get("name") or ""
        if len(name) > 150:
            _reject(book, sheet, record, "name", "name_too_long",
                    _("Nama paling banyak 150 huruf."))  # fmt: skip
        nik = v.get("nik")
        info = None
        if nik is None:
            if "nik" not in record.raw or not record.raw.get("nik"):
                _reject(book, sheet, record, "nik", "nik_required",
                        _("NIK wajib diisi untuk setiap anggota (16 angka dari KTP)."))  # fmt: skip
        else:
            info = _nik_birth(nik, self.on)
            if nik in self.niks_db and member_key(self.niks_db[nik]) != key:
                _reject(book, sheet, record, "nik", "nik_exists",
                        _("NIK ini sudah terdaftar di Kopdig untuk anggota nomor %(n)s.")
                        % {"n": self.niks_db[nik]})  # fmt: skip
            elif nik in niks:
                pass  # the duplicate check across rows names it already
            niks[nik] = number
        birth = v.get("birth_date") or (info[0] if info else None)
        gender = v.get("gender") or (info[1] if info else None)
        joined = v.get("joined_on") or self.on
        if birth is not None and birth > self.on:
            _reject(book, sheet, record, "birth_date", "birth_future",
                    _("Tanggal lahir tidak boleh sesudah tanggal migrasi."))  # fmt: skip
        if joined > self.on:
            _reject(book, sheet, record, "joined_on", "joined_future",
                    _("Tanggal masuk tidak boleh sesudah tanggal migrasi (%(d)s).")
                    % {"d": self.on.strftime("%d/%m/%Y")})  # fmt: skip
        elif birth is not None and joined < birth:
            _reject(book, sheet, record, "joined_on", "joined_before_birth",
                    _("Tanggal masuk tidak boleh sebelum tanggal lahir."))  # fmt: skip
        for kind in SAVINGS_KINDS:
            amount = v.get(str(kind))
            if amount is not None and amount < 0:
                _reject(book, sheet, record, str(kind), "balance_negative",
                        _("Saldo simpanan tidak boleh negatif (%(a)s).")
                        % {"a": format_rupiah(amount)})  # fmt: skip
        if record.rejected or nik is None or birth is None or gender is None:
            return
        self.new_members[key] = _NewMember(
            record, sheet, key, number, name, nik, birth, gender,
            v.get("phone") or "", (v.get("address") or "")[:250], joined,
        )  # fmt: skip

    def _member_known(self, sheet: ReadSheet, record: Record) -> str | None:
        """The member key of a savings or loan row, or None (and the row rejected) when its
        member's own row was rejected in this file."""
        number = record.values.get("number")
        if number is None:
            return None
        key = member_key(number)
        if key in self.new_members or key in self.members_db:
            return key
        rejected = self.rejected_members.get(key)
        if rejected is not None and not record.rejected:
            other_sheet, other = rejected
            _reject(self.book, sheet, record, "number", "member_rejected",
                    _("Baris anggota nomor %(n)s (baris %(row)s lembar “%(s)s”) ditolak; "
                      "perbaiki baris itu, lalu impor lagi.")
                    % {"n": number, "row": other.row, "s": other_sheet.name})  # fmt: skip
        return None

    def _product_of(self, text: str | None) -> Product | None:
        if not text:
            return self.products[Kind.SUKARELA]
        wanted = norm(text)
        for product in self.all_products.values():
            if wanted in (norm(product.code), norm(product.name)):
                return product
        for kind in SAVINGS_KINDS:
            if str(kind) in wanted:
                return self.products[kind]
        if "tabungan" in wanted:
            return self.products[Kind.SUKARELA]
        return None

    def savings(self) -> None:
        self.new_accounts: dict[str, _NewAccount] = {}
        given: set[str] = set()
        self.ticker.step(_("Memeriksa simpanan"))
        for sheet in self.book.of_kind("savings"):
            for record in self.ticker.rows(sheet.records):
                if record.rejected:
                    continue
                key = self._member_known(sheet, record)
                if key is None:
                    continue
                product = self._product_of(record.values.get("product"))
                if product is None:
                    _reject(self.book, sheet, record, "product", "product_unknown",
                            _("Produk simpanan “%(p)s” tidak dikenal. Tulis pokok, wajib, "
                              "sukarela atau kode produk di Kopdig.")
                            % {"p": record.values.get("product")})  # fmt: skip
                    continue
                if product.kind == Kind.BERJANGKA:
                    _reject(self.book, sheet, record, "product", "berjangka_not_supported",
                            _("Simpanan berjangka dimigrasi dari lembarnya sendiri (No. Bilyet, "
                              "Tanggal Penempatan, Jangka Waktu, Bunga per Tahun, Nominal); "
                              "lihat templat Simpanan Berjangka."))  # fmt: skip
                    continue
                balance = record.values.get("balance") or ZERO
                if balance < 0:
                    _reject(self.book, sheet, record, "balance", "balance_negative",
                            _("Saldo simpanan tidak boleh negatif (%(a)s).")
                            % {"a": format_rupiah(balance)})  # fmt: skip
                    continue
                account_key = f"{key}:{product.code}"
                given.add(account_key)
                self._account(sheet, record, key, product, balance, account_key)
        by_kind = [(str(kind), self.products[kind]) for kind in SAVINGS_KINDS]
        for sheet in self.book.of_kind("members"):
            for record in sheet.records:
                number = record.values.get("number")
                if record.rejected or number is None:
                    continue
                key = member_key(number)
                for column, product in by_kind:
                    amount = record.values.get(column)
                    if amount is None:
                        continue
                    account_key = f"{key}:{product.code}"
                    if account_key in given:
                        continue
                    self._account(sheet, record, key, product, amount, account_key, keep=False)

    def _account(
        self,
        sheet: ReadSheet,
        record: Record,
        key: str,
        product: Product,
        balance: Decimal,
        account_key: str,
        keep: bool = True,
    ) -> None:
        if (RecordKind.SAVINGS_ACCOUNT, account_key) in self.records:
            self.status[sheet.name].setdefault(record.row, ALREADY)
            return
        member_pk = self.members_db.get(key)
        if member_pk is not None and (member_pk, product.pk) in self.accounts_db:
            _reject(self.book, sheet, record, "number", "account_exists",
                    _("Anggota nomor %(n)s sudah punya rekening %(p)s di Kopdig.")
                    % {"n": record.values.get("number"), "p": product.name})  # fmt: skip
            return
        found = self.new_accounts.get(account_key)
        if found is None:
            found = self.new_accounts[account_key] = _NewAccount(
                account_key, key, product, ZERO, (sheet.name, record.row)
            )
        found.balance += balance
        if keep:  # a savings-sheet row is marked with its account; a member row by itself
            found.records.append((sheet, record))

    def loans(self) -> None:
        self.new_loans: list[_NewLoan] = []
        self.outstanding: dict[int, Decimal] = {}
        if not any(s.records for s in self.book.of_kind("loans")):
            return
        product, terms = self._loan_product()
        thresholds = loan_thresholds(_loan_settings(self.koperasi))
        self.ticker.step(_("Memeriksa pinjaman"))
        for sheet in self.book.of_kind("loans"):
            for record in self.ticker.rows(sheet.records):
                if record.rejected:
                    continue
                member = self._member_known(sheet, record)
                if member is None:
                    continue
                v = record.values
                key = _loan_key(v["loan_number"])
                if (RecordKind.LOAN, key) in self.records:
                    self.status[sheet.name][record.row] = ALREADY
                    continue
                if key in self.loans_db:
                    _reject(self.book, sheet, record, "loan_number", "loan_exists",
                            _("Nomor pinjaman %(n)s sudah ada di Kopdig.")
                            % {"n": v["loan_number"]})  # fmt: skip
                    continue
                if len(key) > 60:
                    _reject(self.book, sheet, record, "loan_number", "loan_number_too_long",
                            _("Nomor pinjaman paling banyak 60 huruf."))  # fmt: skip
                    continue
                rate: Decimal = v["rate"]
                # A legacy sheet writes a monthly rate (1,5) or a yearly one (18): above 5% it
                # can only be yearly.
                rate_per = "bulan" if rate <= 5 else "tahun"
                loan = MigratedLoan(
                    member_id=0,
                    number=key,
                    principal=v["principal"],
                    method=v.get("method") or terms.method,
                    rate_bp=int((rate * 100).to_integral_value()),
                    rate_per=rate_per,
                    frequency=terms.frequency,
                    tenor=v["tenor"],
                    disbursed_on=v["disbursed_on"],
                    outstanding=v.get("outstanding"),
                    paid_instalments=v.get("paid_instalments"),
                )
                try:
                    state = migrated_state(loan, on=self.on, thresholds=thresholds)
                except MigratedLoanError as err:
                    _reject(self.book, sheet, record, err.field, err.code,
                            _loan_message(err.code, loan))  # fmt: skip
                    continue
                stated = v.get("arrears")
                if stated is not None and stated != state.overdue_principal:
                    _reject(self.book, sheet, record, "arrears", "arrears_mismatch",
                            _("Tunggakan pokok %(a)s tidak sesuai dengan jadwal angsuran: "
                              "menurut jadwal dan sisa pokok, tunggakan pokok per %(d)s adalah "
                              "%(b)s.")
                            % {"a": format_rupiah(stated), "d": self.on.strftime("%d/%m/%Y"),
                               "b": format_rupiah(state.overdue_principal)})  # fmt: skip
                    continue
                self.outstanding[id(record)] = state.outstanding
                self.new_loans.append(_NewLoan(key, record, sheet, loan, member, state))

    def trial_balance(self) -> None:
        self.tb_lines: dict[str, _TbLine] = {}
        self.tb_given = False
        self.tb_legacy: dict[str, Decimal] = defaultdict(Decimal)  # role → normal-side amount
        self.tb_debit = self.tb_credit = ZERO
        self.control_accounts: set[int] = set()
        sheets = [s for s in self.book.of_kind("trial_balance") if s.records]
        if not sheets:
            return
        self.tb_given = True
        accounts = list(LedgerAccount.objects.filter(koperasi=self.koperasi))
        by_code = {a.code: a for a in accounts}
        by_name = {norm(a.name): a for a in accounts if not a.is_group}
        roles = dict(
            RoleMapping.objects.filter(koperasi=self.koperasi).values_list("role", "account_id")
        )
        by_pk = {a.pk: a for a in accounts}
        control = {roles[r] for r in CONTROL_ROLES if r in roles}
        control |= set(
            LoanProduct.objects.filter(koperasi=self.koperasi).values_list(
                "ledger_account_id", flat=True
            )
        )
        control |= {p.ledger_account_id for p in self.all_products.values()}
        control |= {p.ledger_account_id for p in self.products.values()}
        self.control_accounts = control
        role_of = {account_id: role for role, account_id in roles.items()}
        for sheet in sheets:
            for record in sheet.records:
                if record.rejected:
                    continue
                v = record.values
                amounts = [v.get("debit"), v.get("credit"), v.get("balance")]
                account = self._tb_account(v, by_code, by_name, roles, by_pk)
                if all(a is None or a == 0 for a in amounts):
                    self.status[sheet.name][record.row] = IGNORED
                    continue
                if account is None or account.is_group:
                    _reject(self.book, sheet, record, "account_name", "account_unknown",
                            _("Akun “%(a)s” tidak dikenali di bagan akun Kopdig. Tulis kode akun "
                              "Kopdig (misalnya 1.1.01 untuk Kas) di kolom Kode.")
                            % {"a": v.get("account_name") or v.get("code") or ""})  # fmt: skip
                    continue
                debit, credit = v.get("debit") or ZERO, v.get("credit") or ZERO
                if v.get("debit") is None and v.get("credit") is None:
                    balance = v.get("balance") or ZERO
                    debit, credit = (
                        (balance, ZERO) if account.normal_side == "debit" else (ZERO, balance)
                    )
                self.tb_debit += debit
                self.tb_credit += credit
                amount = debit - credit
                role = role_of.get(account.pk, "")
                if account.pk in control:
                    figure = role if role in CONTROL_ROLES else _control_figure(account, self)
                    sign = 1 if account.normal_side == "debit" else -1
                    self.tb_legacy[figure] += amount * sign
                key = account.code
                if (RecordKind.TRIAL_BALANCE, key) in self.records:
                    self.status[sheet.name][record.row] = ALREADY
                    continue
                line = self.tb_lines.get(key)
                if line is None:
                    line = self.tb_lines[key] = _TbLine(
                        key, account, ZERO, (sheet.name, record.row)
                    )
                line.amount += amount
                line.records.append((sheet, record))

    def _tb_account(
        self,
        v: dict[str, Any],
        by_code: dict[str, LedgerAccount],
        by_name: dict[str, LedgerAccount],
        roles: dict[str, int],
        by_pk: dict[int, LedgerAccount],
    ) -> LedgerAccount | None:
        code = str(v.get("code") or "").strip()
        if code in by_code:
            return by_code[code]
        name = norm(v.get("account_name") or "")
        if name in by_name:
            return by_name[name]
        for words, role in TB_WORDS:
            if f" {words} " in f" {name} " and role in roles:
                return by_pk.get(roles[role])
        return None

    def stated_figures(self) -> None:
        """What the file itself states, rejected rows included: the legacy side of the
        reconciliation when no trial balance gives it, so nothing left out goes unseen."""
        given: set[tuple[str, str]] = set()
        for sheet in self.book.of_kind("savings"):
            for record in sheet.records:
                balance, number = record.values.get("balance"), record.values.get("number")
                product = self._product_of(record.values.get("product"))
                if balance is None or number is None or product is None:
                    continue
                if product.kind in SAVINGS_KINDS:
                    self.sources[f"simpanan_{product.kind}"] += balance
                    given.add((member_key(number), str(product.kind)))
        for sheet in self.book.of_kind("members"):
            for record in sheet.records:
                number = record.values.get("number")
                for kind in SAVINGS_KINDS:
                    amount = record.values.get(str(kind))
                    if amount is None or number is None:
                        continue
                    if (member_key(number), str(kind)) not in given:
                        self.sources[f"simpanan_{kind}"] += amount
        for sheet in self.book.of_kind("loans"):
            for record in sheet.records:
                stated = record.values.get("outstanding")
                if stated is None:
                    stated = self.outstanding.get(id(record))
                if stated is not None:
                    self.sources["pinjaman_anggota"] += stated

    # --- writing ----------------------------------------------------------------------------

    def write(self, batch: MigrationBatch) -> None:
        self.batch = batch
        self.stamp = now()  # members written now: a later edit shows as updated_at after it
        self.entries: list[int] = []
        self.new_records: list[tuple[str, str, str, int | None, int, int]] = []
        self._write_members()
        self._write_accounts()
        term_deposits.write(self)
        self._write_loans()
        self._write_trial_balance()
        if not self.dry_run:
            self._write_records()

    def _mark(self, sheet: ReadSheet, record: Record) -> None:
        if self.status[sheet.name].get(record.row) is None:
            self.status[sheet.name][record.row] = IMPORTED
            self.imported[sheet.name] += 1

    def _write_members(self) -> None:
        self.ticker.step(_("Menulis anggota"))
        members = [m for m in self.new_members.values() if m.key not in self.reverted_members]
        ct = _ct(Member)
        for m in self.new_members.values():
            pk = self.reverted_members.get(m.key)
            if pk is None:
                continue
            # A member of a reverted batch, taken up again (see migration.services.reverting).
            Member.objects.filter(pk=pk).update(
                full_name=m.name, nik=m.nik, birth_date=m.birth_date, gender=m.gender,
                phone=m.phone, address=m.address, join_date=m.join_date,
                status=Member.Status.AKTIF, left_on=None, left_reason="", updated_at=self.stamp,
            )  # fmt: skip
            self.new_records.append((RecordKind.MEMBER, m.key, m.sheet.name, m.record.row, ct, pk))
            self._mark(m.sheet, m.record)
        if members:
            created = self.stamp
            before = _max_pk(Member)
            insert_rows(
                Member,
                (
                    "koperasi_id", "number", "full_name", "nik", "birth_date", "gender",
                    "join_date", "status", "phone", "address", "occupation", "heir_name",
                    "heir_relation", "left_reason", "created_at", "updated_at",
                ),
                (
                    (
                        self.koperasi.pk, m.number, m.name, m.nik, m.birth_date, m.gender,
                        m.join_date, Member.Status.AKTIF, m.phone, m.address, "", "", "", "",
                        created, created,
                    )
                    for m in members
                ),
            )  # fmt: skip
            pks = dict(
                fetch_rows(
                    Member.objects.filter(koperasi=self.koperasi, pk__gt=before).values_list(
                        "number", "pk"
                    )
                )
            )
            for m in members:
                pk = pks[m.number]
                self.members_db[m.key] = pk
                self.new_records.append(
                    (RecordKind.MEMBER, m.key, m.sheet.name, m.record.row, ct, pk)
                )
                self._mark(m.sheet, m.record)
            self.ticker.step(_("Menulis anggota"), len(members))
        self.created["members"] = len(self.new_members)

    def _write_accounts(self) -> None:
        self.ticker.step(_("Menulis rekening simpanan"))
        accounts = [a for a in self.new_accounts.values() if a.member_key in self.members_db]
        self.created["savings_accounts"] = len(accounts)
        if not accounts:
            return
        created = now()
        before = _max_pk(SavingsAccount)
        numbers = {
            number
            for (number,) in fetch_rows(
                SavingsAccount.objects.filter(koperasi=self.koperasi).values_list("number")
            )
        }
        member_numbers = dict(
            fetch_rows(Member.objects.filter(koperasi=self.koperasi).values_list("id", "number"))
        )
        koperasi_id, active, on = self.koperasi.pk, SavingsAccount.Status.AKTIF, self.on
        rows = []
        for a in accounts:
            member_pk = self.members_db[a.member_key]
            product = a.product
            number = f"{member_numbers[member_pk]}-{product.code}"
            n = 1
            while number in numbers:
                n += 1
                number = f"{member_numbers[member_pk]}-{product.code}-{n}"
            numbers.add(number)
            rows.append(
                (
                    # Amounts as sen: a cell's amount has at most two places (migration.cells).
                    koperasi_id, member_pk, product.id, product.kind, number,
                    int(a.balance * 100), 0, active, on, "", 0, 0, "", created,
                )
            )  # fmt: skip
        insert_rows(
            SavingsAccount,
            (
                "koperasi_id", "member_id", "product_id", "kind", "number", "balance", "floor",
                "status", "opened_on", "close_reason", "prepaid", "term_interest", "at_maturity",
                "created_at",
            ),
            rows,
        )  # fmt: skip
        new = SavingsAccount.objects.filter(koperasi=self.koperasi, pk__gt=before)
        pks = {
            (m, p): pk for pk, m, p in fetch_rows(new.values_list("id", "member_id", "product_id"))
        }
        ct = _ct(SavingsAccount)
        for a in accounts:
            pk = pks[(self.members_db[a.member_key], a.product.id)]
            sheet, row = a.origin
            self.new_records.append((RecordKind.SAVINGS_ACCOUNT, a.key, sheet, row, ct, pk))
            for s, record in a.records:
                self._mark(s, record)
        owed = arrears.rows(self, pks)
        if sum((a.balance for a in accounts), ZERO) > 0 or owed:
            entry = book_opening_balances(
                koperasi=self.koperasi,
                on=self.on,
                actor=self.actor,
                kind="migration.savings",
                memo=books_text("Saldo awal simpanan dari migrasi %(f)s", f=self.batch.filename)[
                    :250
                ],
                movement_memo=books_text("Saldo awal migrasi"),
                accounts=new,
                against_role="kliring_migrasi",
                arrears=owed,
                movements=not self.dry_run,
            )
            self._entry(entry.pk)
        self.ticker.step(_("Menulis rekening simpanan"), len(accounts))

    def _entry(self, pk: int) -> None:
        self.entries.append(pk)
        self.new_records.append(
            (RecordKind.ENTRY, f"{self.batch.pk}:{pk}", "", None, _ct(JournalEntry), pk)
        )

    def _write_loans(self) -> None:
        self.ticker.step(_("Menulis pinjaman"))
        loans = [n for n in self.new_loans if n.member_key in self.members_db]
        self.created["loans"] = len(loans)
        if not loans:
            return
        product, terms = self._loan_product()
        total = sum((n.state.outstanding for n in loans if n.state), ZERO)
        ids = ledger.post_many(
            koperasi=self.koperasi,
            entries=[
                ledger.NewEntry(
                    lines=[
                        ledger.Line(product.ledger_account, debit=total),
                        ledger.Line(_role(self.koperasi, "kliring_migrasi"), credit=total),
                    ],
                    kind="migration.loans",
                    memo=books_text(
                        "Saldo awal pinjaman dari migrasi %(f)s", f=self.batch.filename
                    )[:250],
                    value_date=self.on,
                    source=f"migration.MigrationBatch:{self.batch.pk}",
                )
            ],
            actor=self.actor,
        )
        self._entry(ids[0])
        entry = JournalEntry.objects.get(pk=ids[0])
        entered_by = _system_user(SYSTEM_USERS[0])
        approver = (
            self.actor
            if getattr(self.actor, "is_authenticated", False) and self.actor.pk != entered_by.pk
            else _system_user(SYSTEM_USERS[1])
        )
        pairs = []
        for n in loans:
            assert n.state is not None
            loan = MigratedLoan(**{**n.loan.__dict__, "member_id": self.members_db[n.member_key]})
            pairs.append((loan, n.state))
        loan_ids = loans_migrate(
            koperasi=self.koperasi,
            product=product,
            terms=terms,
            loans=pairs,
            on=self.on,
            entry=entry,
            entered_by=entered_by,
            approved_by=approver,
            note=books_text("Dimigrasi dari %(f)s", f=self.batch.filename),
            schedules=not self.dry_run,
        )
        ct = _ct(Loan)
        for n, pk in zip(loans, loan_ids, strict=True):
            self.new_records.append((RecordKind.LOAN, n.key, n.sheet.name, n.record.row, ct, pk))
            self._mark(n.sheet, n.record)
        self.ticker.step(_("Menulis pinjaman"), len(loans))

    def _write_trial_balance(self) -> None:
        self.ticker.step(_("Menulis saldo awal buku"))
        kliring = _role(self.koperasi, "kliring_migrasi")
        lines = []
        net = ZERO
        for line in self.tb_lines.values():
            # A control account's figure comes in with the members and loans themselves: the
            # trial balance's is compared with it (reconciliation), not posted a second time.
            if line.amount == 0 or line.account.pk in self.control_accounts:
                continue
            if line.amount > 0:
                lines.append(ledger.Line(line.account, debit=line.amount))
            else:
                lines.append(ledger.Line(line.account, credit=-line.amount))
            net += line.amount
        if lines:
            if net > 0:
                lines.append(ledger.Line(kliring, credit=net))
            elif net < 0:
                lines.append(ledger.Line(kliring, debit=-net))
            ids = ledger.post_many(
                koperasi=self.koperasi,
                entries=[
                    ledger.NewEntry(
                        lines=lines,
                        kind="migration.opening",
                        memo=books_text(
                            "Saldo awal buku dari neraca saldo %(f)s", f=self.batch.filename
                        )[:250],
                        value_date=self.on,
                        source=f"migration.MigrationBatch:{self.batch.pk}",
                    )
                ],
                actor=self.actor,
            )
            self._entry(ids[0])
        ct = _ct(LedgerAccount)
        for line in self.tb_lines.values():
            sheet, row = line.origin
            self.new_records.append(
                (RecordKind.TRIAL_BALANCE, line.key, sheet, row, ct, line.account.pk)
            )
            for s, record in line.records:
                self._mark(s, record)
        # What the clearing account still holds once a trial balance is in is the difference
        # between the legacy books and what came in: held in selisih migrasi, never absorbed.
        has_tb = self.tb_given or any(k == RecordKind.TRIAL_BALANCE for k, _key in self.records)
        if has_tb:
            held = ledger_selectors.balance(account=kliring)  # debit-positive
            if held:
                suspense = _role(self.koperasi, "selisih_migrasi")
                move = (
                    [ledger.Line(suspense, debit=held), ledger.Line(kliring, credit=held)]
                    if held > 0
                    else [ledger.Line(kliring, debit=-held), ledger.Line(suspense, credit=-held)]
                )
                entry = ledger.post(
                    koperasi=self.koperasi,
                    lines=move,
                    kind="migration.selisih",
                    memo=books_text(
                        "Selisih migrasi %(f)s: neraca saldo lama tidak sama dengan yang diimpor",
                        f=self.batch.filename,
                    )[:250],
                    actor=self.actor,
                    value_date=self.on,
                    source=f"migration.MigrationBatch:{self.batch.pk}",
                )
                self._entry(entry.pk)

    def _write_records(self) -> None:
        # Plain rows (``insert_rows`` names foreign keys by ``<field>_id``; ``object_id`` is
        # not one): hundreds of thousands of records, as tuples.
        columns = (
            "koperasi_id", "batch_id", "kind", "legacy_key", "sheet", "row",
            "content_type_id", "object_id",
        )  # fmt: skip
        quote = connection.ops.quote_name
        sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (names from the model)
            quote(MigrationRecord._meta.db_table),
            ", ".join(quote(c) for c in columns),
            ", ".join(["%s"] * len(columns)),
        )
        rows = [
            (self.koperasi.pk, self.batch.pk, str(kind), key[:120], sheet[:120], row, ct, pk)
            for kind, key, sheet, row, ct, pk in self.new_records
        ]
        with connection.cursor() as cursor:
            for start in range(0, len(rows), 5000):
                cursor.executemany(sql, rows[start : start + 5000])

    # --- after ------------------------------------------------------------------------------

    def reconciliation(self) -> list[Figure]:
        balances = ledger_selectors.balances(koperasi=self.koperasi)
        roles = dict(
            RoleMapping.objects.filter(koperasi=self.koperasi).values_list("role", "account_id")
        )
        accounts = LedgerAccount.objects.in_bulk(list(balances) + list(roles.values()))

        def normal(account_ids: Iterable[int]) -> Decimal:
            total = ZERO
            for pk in set(account_ids):
                account = accounts.get(pk)
                amount = balances.get(pk, ZERO)
                if account is not None:
                    total += amount if account.normal_side == "debit" else -amount
            return total

        figures = []
        savings_accounts = {
            kind: {p.ledger_account_id for p in self.all_products.values() if p.kind == kind}
            | {self.products[kind].ledger_account_id}
            for kind in SAVINGS_KINDS
        }
        savings_accounts[Kind.BERJANGKA] = {
            p.ledger_account_id for p in self.all_products.values() if p.kind == Kind.BERJANGKA
        }
        portfolio = set(
            LoanProduct.objects.filter(koperasi=self.koperasi).values_list(
                "ledger_account_id", flat=True
            )
        )
        labels = {
            "simpanan_pokok": _("Simpanan pokok"),
            "simpanan_wajib": _("Simpanan wajib"),
            "simpanan_sukarela": _("Simpanan sukarela"),
            term_deposits.FIGURE: _("Simpanan berjangka"),
            arrears.FIGURE: _("Piutang simpanan wajib (tunggakan)"),
            "pinjaman_anggota": _("Pinjaman anggota (sisa pokok)"),
        }
        # Kopdig books unpaid wajib on accrual (billed: Dr piutang / Cr simpanan wajib). A legacy
        # trial balance without a piutang line kept it on cash: its figures are compared as
        # Kopdig states them, the file's arrears added to its wajib and to both its totals.
        accrual = (
            self.sources.get(arrears.FIGURE, ZERO)
            if self.tb_given and arrears.FIGURE not in self.tb_legacy
            else ZERO
        )
        for name, label in labels.items():
            if name == "pinjaman_anggota":
                ids = portfolio or {roles.get("pinjaman_anggota", 0)}
            elif name == arrears.FIGURE:
                ids = {roles.get(arrears.FIGURE, 0)}
            else:
                ids = savings_accounts[Kind(name.removeprefix("simpanan_"))]
            if self.tb_given and name in self.tb_legacy:
                legacy = self.tb_legacy[name]
                if name == "simpanan_wajib":
                    legacy += accrual
            elif name in self.sources:
                legacy = self.sources[name]
            else:
                continue
            figures.append(Figure(name, label, legacy, normal(ids)))
        if self.tb_given:
            kopdig_debit = kopdig_credit = ZERO
            skip = {roles.get("kliring_migrasi"), roles.get("selisih_migrasi")}
            for pk, amount in balances.items():
                if pk in skip:
                    continue
                if amount > 0:
                    kopdig_debit += amount
                else:
                    kopdig_credit -= amount
            figures.append(
                Figure("jumlah_debit", _("Jumlah debit"), self.tb_debit + accrual, kopdig_debit)
            )
            figures.append(
                Figure("jumlah_kredit", _("Jumlah kredit"), self.tb_credit + accrual, kopdig_credit)
            )
            # Kopdig's own books always balance: a legacy trial balance that does not shows
            # here, and its difference in the suspense account below.
            figures.append(
                Figure(
                    "debit_minus_kredit",
                    _("Selisih debit dan kredit neraca saldo"),
                    self.tb_debit - self.tb_credit,
                    ZERO,
                )
            )
        suspense = roles.get("selisih_migrasi")
        if suspense is not None and (self.tb_given or balances.get(suspense)):
            figures.append(
                Figure(
                    "selisih_migrasi",
                    _("Selisih migrasi (ditampung untuk diselesaikan pengurus)"),
                    ZERO,
                    balances.get(suspense, ZERO),
                )
            )
        return figures

    def ledger_lines(self) -> list[LedgerLine]:
        totals: dict[int, Decimal] = defaultdict(Decimal)
        for start in range(0, len(self.entries), 500):
            for account_id, amount in Posting.objects.filter(
                entry_id__in=self.entries[start : start + 500]
            ).values_list("account_id", "amount"):
                totals[account_id] += amount
        accounts = LedgerAccount.objects.in_bulk(list(totals))
        return [
            LedgerLine(
                accounts[pk].code,
                accounts[pk].name,
                amount if amount > 0 else ZERO,
                -amount if amount < 0 else ZERO,
            )
            for pk, amount in sorted(totals.items(), key=lambda kv: accounts[kv[0]].code)
            if amount
        ]


def _control_figure(account: LedgerAccount, run: _Import) -> str:
    for kind in SAVINGS_KINDS:
        if account.pk == run.products[kind].ledger_account_id:
            return f"simpanan_{kind}"
    for product in run.all_products.values():
        if account.pk == product.ledger_account_id:
            return f"simpanan_{product.kind}"
    return "pinjaman_anggota"


def _nik_birth(nik: str, today: dt.date) -> tuple[dt.date | None, str]:
    """Birth date and gender a NIK encodes (already checked by ``core.validators.validate_nik``
    when the cell was read): DDMMYY, women's day + 40, the year in the last hundred years."""
    day, month, year2 = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    gender = "P" if day > 40 else "L"
    day -= 40 if day > 40 else 0
    try:
        born = dt.date(2000 + year2, month, day)
        return (born if born <= today else born.replace(year=1900 + year2)), gender
    except ValueError:
        return None, gender


def _loan_settings(koperasi: Koperasi) -> Any:
    from loans.services import settings_of

    return settings_of(koperasi)


def _loan_message(code: str, loan: MigratedLoan) -> str:
    messages = {
        "principal_invalid": _("Plafon pinjaman harus bilangan rupiah bulat lebih dari nol."),
        "tenor_invalid": _("Jangka waktu %(t)s angsuran di luar batas Kopdig.") % {"t": loan.tenor},
        "rate_above_cap": _("Bunga %(r)s%% per %(p)s di atas batas yang diizinkan.")
        % {"r": Decimal(loan.rate_bp) / 100, "p": loan.rate_per},
        "disbursed_future": _("Tanggal pencairan sesudah tanggal migrasi."),
        "outstanding_sen": _("Sisa pokok harus dalam rupiah dan sen (dua angka di belakang koma)."),
        "loan_state_missing": _("Isi sisa pokok atau jumlah angsuran yang sudah dibayar."),
        "outstanding_above_principal": _("Sisa pokok lebih besar dari plafon."),
        "loan_paid_off": _(
            "Pinjaman ini sudah lunas (sisa pokok nol); hanya pinjaman yang masih berjalan "
            "yang dipindahkan. Hapus barisnya."
        ),
    }
    return messages.get(code, code)


def _ct(model: Any) -> int:
    return int(ContentType.objects.get_for_model(model).pk)


def _max_pk(model: Any) -> int:
    return int(model.objects.aggregate(m=Max("pk"))["m"] or 0)


def _role(koperasi: Koperasi, role: str) -> LedgerAccount:
    return ledger_selectors.account_for_role(koperasi=koperasi, role=role)


def check_koperasi(koperasi: Koperasi) -> None:
    """A migration goes into a koperasi of the registry that has no books of its own yet (or
    whose books so far came only from migrations)."""
    if koperasi.status == Koperasi.Status.BUBAR:
        raise MigrationError(_("Koperasi yang sudah bubar tidak dapat menerima migrasi."))
    other = (
        JournalEntry.objects.filter(koperasi=koperasi)
        .exclude(kind__startswith="migration.")
        .exclude(kind="reversal", reverses__kind__startswith="migration.")
        .exists()
    )
    if other:
        raise MigrationError(
            _(
                "Koperasi %(k)s sudah mencatat transaksi di Kopdig. Migrasi hanya untuk koperasi "
                "yang belum punya buku di Kopdig."
            )
            % {"k": koperasi.name}
        )


def _sheet_results(book: ReadBook, run: _Import | None) -> list[SheetResult]:
    out = []
    for sheet in book.sheets:
        out.append(
            SheetResult(
                name=sheet.name,
                kind=sheet.kind,
                header_row=sheet.header_row,
                rows_read=sheet.rows_read,
                rows_imported=run.imported.get(sheet.name, 0) if run else 0,
                rows_rejected=sheet.rows_rejected,
                totals=dict(sheet.totals),
            )
        )
    return out


def _statuses(book: ReadBook, run: _Import) -> dict[str, dict[int, str]]:
    out: dict[str, dict[int, str]] = {}
    for sheet in book.sheets:
        rows = out[sheet.name] = {}
        for record in sheet.records:
            if record.rejected:
                rows[record.row] = REJECTED
            else:
                rows[record.row] = run.status.get(sheet.name, {}).get(record.row, ALREADY)
    return out


def _stage_on(koperasi: Koperasi, actor: Any, note: str) -> None:
    """The koperasi's digital stage moves to "migrasi data" (a later stage is kept)."""
    locked = Koperasi.objects.get(pk=koperasi.pk)
    order = Koperasi.STAGE_ORDER
    if order.index(locked.digital_stage) >= order.index(Koperasi.Stage.MIGRASI):
        return
    today = local_today(locked.timezone)
    last = locked.stage_changes.order_by("-changed_on", "-id").first()
    on = max(today, last.changed_on) if last is not None else today
    digital_stage_set(
        actor=actor, koperasi=koperasi, stage=Koperasi.Stage.MIGRASI, on=on, note=note[:250]
    )


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def check_source(source: bytes, filename: str) -> None:
    """What the safe reader would only call unreadable, named so the koperasi can fix it: an
    xlsx protected by a password (Office wraps it in an encrypted OLE2 container), and a CSV
    saved as UTF-16 ("Unicode text"). Raises ``SpreadsheetError``."""
    name = filename.lower()
    if name.endswith((".xlsx", ".xlsm", ".ods")) and source[:8] == OLE2:
        if "EncryptedPackage".encode("utf-16-le") in source[: 1 << 20]:
            raise SpreadsheetError(
                _(
                    "Berkas ini dilindungi kata sandi. Buka di Excel, hapus kata sandinya "
                    "(File › Info › Lindungi Buku Kerja), simpan, lalu unggah lagi."
                ),
                code="password_protected",
            )
        raise SpreadsheetError(
            _("Berkas ini bukan .xlsx walaupun namanya begitu; simpan ulang sebagai .xlsx."),
            code="not_xlsx",
        )
    if name.endswith((".csv", ".txt")):
        head = source[:4096]
        if head[:2] in (b"\xff\xfe", b"\xfe\xff") or head.count(b"\x00") > len(head) // 4:
            raise SpreadsheetError(
                _(
                    "Berkas CSV ini disimpan sebagai UTF-16 (“Teks Unicode”). Simpan ulang "
                    "sebagai “CSV UTF-8 (dipisah koma)”, lalu unggah lagi."
                ),
                code="csv_encoding",
            )


def run_import(
    koperasi: Koperasi,
    source: bytes,
    *,
    filename: str,
    actor: Any,
    dry_run: bool,
    mappings: dict[str, dict[str, str]] | None,
    kinds: dict[str, str] | None,
    accept_partial: bool,
    progress: Progress | None,
) -> MigrationResult:
    if progress is not None:
        progress(0, 1, _("Membaca berkas"))
    on = business_date(koperasi)
    check_source(source, filename)
    book = read_workbook(source, filename=filename, mappings=mappings, kinds=kinds, today=on)
    check_koperasi(koperasi)
    check_book(book, known_members=_member_numbers(koperasi))
    result = MigrationResult(
        filename=filename, sha256=source_sha256(source), dry_run=dry_run, migrated_on=on
    )
    result.book = book
    records = sum(len(s.records) for s in book.sheets)
    ticker = _Ticker(progress, 2 * records + 1)
    run: _Import | None = None
    keep = False
    with transaction.atomic():
        run = _Import(
            koperasi, book, actor=actor, on=on, ticker=ticker, result=result, dry_run=dry_run
        )
        run.setup()
        run.load_state()
        run.members()
        arrears.check(run)
        run.savings()
        arrears.open_accounts(run)
        term_deposits.check(run)
        run.loans()
        run.trial_balance()
        run.stated_figures()
        batch = MigrationBatch.objects.create(
            koperasi=koperasi,
            filename=filename[:255],
            sha256=result.sha256,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            status=BatchStatus.COMMITTED,
            migrated_on=on,
        )
        run.write(batch)
        ticker.step(_("Rekonsiliasi"))
        result.reconciliation = run.reconciliation()
        result.ledger = run.ledger_lines()
        result.created = dict(run.created, entries=len(run.entries))
        result.sheets = _sheet_results(book, run)
        result.errors = list(book.problems)
        result.error_count = book.problem_count
        result.statuses = _statuses(book, run)
        rejected = result.rows_rejected
        if not dry_run and rejected and not accept_partial:
            result.refused = _(
                "Impor dibatalkan: %(n)s baris ditolak. Perbaiki barisnya, atau pilih impor "
                "baris yang benar saja."
            ) % {"n": rejected}
        result.nothing_new = not run.entries and not any(run.created.values())
        keep = not dry_run and not result.refused and not result.nothing_new
        if keep:
            _stage_on(koperasi, actor, books_text("Migrasi data dari %(f)s", f=filename))
            refresh_figures(koperasi)
            batch.counts = {**_counts(result), "written_at": run.stamp.isoformat()}
            batch.summary = result.as_json()
            batch.summary["batch"] = batch.pk
            batch.save(update_fields=["counts", "summary"])
            result.batch = batch
            result.committed = True
        else:
            transaction.set_rollback(True)
    if not keep:
        planned = MigrationBatch.objects.create(
            koperasi=koperasi,
            filename=filename[:255],
            sha256=result.sha256,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            status=BatchStatus.PLANNED,
            dry_run=True,
            migrated_on=on,
            counts=_counts(result),
        )
        result.batch = planned
        planned.summary = {**result.as_json(), "refused": result.refused}
        planned.save(update_fields=["summary"])
    if progress is not None:
        progress(ticker.total, ticker.total, _("Selesai"))
    return result


def _counts(result: MigrationResult) -> dict[str, Any]:
    return {
        "created": result.created,
        "rows_read": sum(s.rows_read for s in result.sheets),
        "rows_imported": sum(s.rows_imported for s in result.sheets),
        "rows_rejected": result.rows_rejected,
        "errors": result.error_count,
        "migrated_at": timezone.now().isoformat(),
    }


def _member_numbers(koperasi: Koperasi) -> list[str]:
    return list(Member.objects.filter(koperasi=koperasi).values_list("number", flat=True))
