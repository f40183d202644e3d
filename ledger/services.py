"""Writes to the books. Each is atomic (joining the caller's transaction), validates first with
an Indonesian message, and leaves an audit record; the database checks the same rules again.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import audit
from core.books import books_text
from core.dates import business_date as current_business_date
from core.dates import tanggal
from core.money import ZERO, InvalidAmount, format_rupiah, money, to_sen
from ledger import chain, subledgers
from ledger.chart import KSP_ROLES, KSP_TEMPLATE, parent_code
from ledger.models import (
    Account,
    AccountClass,
    AccountPeriodBalance,
    AccountRole,
    ChainHead,
    EntryStatus,
    JournalEntry,
    NormalSide,
    Period,
    PeriodBalance,
    PeriodStatus,
    Posting,
    RoleMapping,
)
from registry.models import Koperasi

__all__ = [
    "Books",
    "LedgerError",
    "Line",
    "NewEntry",
    "account_create",
    "account_update",
    "business_date_advance",
    "business_date_set",
    "chart_setup",
    "lock_books",
    "period_close",
    "period_reopen",
    "post",
    "post_many",
    "reverse",
    "role_map",
]


class LedgerError(ValidationError):
    """A write the books refuse; the message is for the kasir or pengurus."""


@dataclass(frozen=True)
class Line:
    """One line of an entry to post: exactly one of ``debit`` and ``credit`` is above zero."""

    account: Account
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    memo: str = ""


@dataclass(frozen=True)
class NewEntry:
    """One entry for :func:`post_many`; the fields mean what :func:`post`'s arguments mean."""

    lines: Sequence[Line]
    kind: str
    memo: str = ""
    value_date: dt.date | None = None
    idempotency_key: str | None = None
    source: str = ""


@dataclass(slots=True)
class _Prepared:
    value_date: dt.date
    kind: str
    memo: str
    source: str
    idempotency_key: str | None
    reverses_id: int | None
    postings: list[tuple[int, int, str]] = field(default_factory=list)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _actor_id(actor: Any) -> int | None:
    user = _user(actor)
    return None if user is None else int(user.pk)


# --- validation -----------------------------------------------------------------------------


_LIMITS = {
    "kind": 40,
    "memo": 250,
    "source": 120,
    "idempotency_key": 100,
    "line_memo": 250,
    "reason": 250,
    "name": 120,
}


def _too_long(what: str) -> LedgerError:
    labels = {
        "kind": _("Jenis jurnal"),
        "memo": _("Keterangan"),
        "source": _("Sumber"),
        "idempotency_key": _("Kunci idempotensi"),
        "line_memo": _("Keterangan baris"),
        "reason": _("Alasan"),
        "name": _("Nama akun"),
    }
    return LedgerError(
        ngettext(
            "%(label)s terlalu panjang (paling banyak %(n)d karakter).",
            "%(label)s terlalu panjang (paling banyak %(n)d karakter).",
            _LIMITS[what],
        )
        % {"label": labels[what], "n": _LIMITS[what]}
    )


def _check_text(value: str | None, *, what: str) -> str:
    value = value or ""
    if len(value) > _LIMITS[what]:
        raise _too_long(what)
    return value


_MAX_SEN = 2**63 - 1


def _side(value: Any, *, account: Account) -> int:
    """One side of a line in sen (int). The common case (a ``Decimal`` or ``int`` exact to the
    sen) is checked without building new amounts; anything else goes through ``money()``."""
    if value is ZERO:  # the side a Line leaves out
        return 0
    kind = type(value)
    if kind is Decimal:
        if value.is_finite():
            scaled = value.scaleb(2)
            sen = int(scaled)
            if sen == scaled and 0 <= sen <= _MAX_SEN:
                return sen
    elif kind is int and 0 <= value <= _MAX_SEN // 100:
        return int(value * 100)
    try:
        amount = money(value)
    except InvalidAmount as exc:
        raise LedgerError(str(exc)) from exc
    if amount < 0:
        raise LedgerError(
            _("Jumlah pada akun %(akun)s tidak boleh negatif; gunakan sisi yang lain.")
            % {"akun": account}
        )
    return to_sen(amount)


def _bad_account(account: Account, koperasi_id: int) -> LedgerError | None:
    if account.koperasi_id != koperasi_id:
        return LedgerError(_("Akun %(akun)s milik koperasi lain.") % {"akun": account})
    if account.is_group:
        return LedgerError(
            _("Akun %(akun)s adalah akun kelompok dan tidak dapat diposting.") % {"akun": account}
        )
    if not account.is_active:
        return LedgerError(_("Akun %(akun)s tidak aktif.") % {"akun": account})
    return None


def _prepare(
    *,
    koperasi_id: int,
    lines: Sequence[Line],
    kind: str,
    memo: str,
    value_date: dt.date,
    idempotency_key: str | None,
    source: str,
    accounts: dict[int, Account] | None = None,
) -> _Prepared:
    """Check one entry and turn it into rows; ``accounts`` (fresh from the database) overrides
    the flags of the ``Account`` objects the caller passed."""
    if not kind or not kind.strip():
        raise LedgerError(_("Jenis jurnal harus diisi."))
    memo = memo or ""
    source = source or ""
    for value, what in ((kind, "kind"), (memo, "memo"), (source, "source")):
        if len(value) > _LIMITS[what]:
            raise _too_long(what)
    if idempotency_key is not None:
        _check_text(idempotency_key, what="idempotency_key")
        if not idempotency_key:
            raise LedgerError(_("Kunci idempotensi tidak boleh kosong."))
    if type(value_date) is not dt.date:
        raise LedgerError(_("Tanggal buku harus berupa tanggal."))
    if len(lines) < 2:
        raise LedgerError(_("Jurnal harus memiliki sedikitnya dua baris."))
    postings: list[tuple[int, int, str]] = []
    total_debit = total_credit = 0
    for line in lines:
        account = line.account
        if accounts is not None:
            fresh = accounts.get(account.id)
            if fresh is None:
                raise LedgerError(_("Akun %(akun)s milik koperasi lain.") % {"akun": account})
            account = fresh
        if account.koperasi_id != koperasi_id or account.is_group or not account.is_active:
            raise _bad_account(account, koperasi_id)  # type: ignore[misc]
        debit = _side(line.debit, account=account)
        credit = _side(line.credit, account=account)
        if (debit > 0) == (credit > 0):
            raise LedgerError(
                _("Setiap baris harus berisi tepat satu sisi, debit atau kredit (akun %(akun)s).")
                % {"akun": account}
            )
        line_memo = line.memo or ""
        if len(line_memo) > 250:
            raise _too_long("line_memo")
        total_debit += debit
        total_credit += credit
        postings.append((account.id, debit - credit, line_memo))
    if total_debit != total_credit:
        raise LedgerError(
            _("Jurnal tidak seimbang: debit %(d)s, kredit %(k)s.")
            % {
                "d": format_rupiah(Decimal(total_debit) / 100, sen=True),
                "k": format_rupiah(Decimal(total_credit) / 100, sen=True),
            }
        )
    return _Prepared(
        value_date=value_date,
        kind=kind,
        memo=memo or "",
        source=source or "",
        idempotency_key=idempotency_key,
        reverses_id=None,
        postings=postings,
    )


# --- the writer -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Head:
    last_index: int
    last_hash: str
    closed_through: dt.date | None
    last_seq: dict[int, int]  # year → last number given, for the year asked about
    keyed_id: int | None = None  # the entry already posted under the idempotency key asked about


_FACTS = (
    "(SELECT MAX(p.end_date) FROM ledger_period p "
    "WHERE p.koperasi_id = %s AND p.status = 'closed'), "
    "(SELECT s.last_seq FROM ledger_entrysequence s WHERE s.koperasi_id = %s AND s.year = %s), "
    # By the partial unique index (koperasi, idempotency_key); NULL asks for nothing.
    "(SELECT e.id FROM ledger_journalentry e WHERE e.koperasi_id = %s AND e.idempotency_key = %s)"
)
_HEAD_SQLITE = (  # the two above in one statement (constant text, every value a parameter)
    "SELECT last_index, last_hash, " + _FACTS + " FROM ledger_chainhead WHERE koperasi_id = %s"  # noqa: S608
)


def _lock_head(koperasi_id: int, *, year: int | None = None, key: str | None = None) -> _Head:
    """Lock the koperasi's chain head and read the end of its latest closed period, (for
    ``year``) the last entry number given that year and (for ``key``) the entry already posted
    under that idempotency key.

    SQLite has one writer at a time (BEGIN IMMEDIATE), so one statement reads it all. On
    PostgreSQL one call to ``ledger_lock_head`` (migration 0013) takes the row lock first and
    reads the rest in a statement of its own: a statement that waited for the lock still sees
    the world as it was when it started.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One call: the lock, then the facts in a statement of its own (migration 0013).
            cursor.execute(
                "SELECT * FROM ledger_lock_head(%s, %s, %s, %s)",
                [koperasi_id, year or 0, key, chain.GENESIS],
            )
            row = cursor.fetchone()
        else:
            params = [koperasi_id, koperasi_id, year or 0, koperasi_id, key, koperasi_id]
            cursor.execute(_HEAD_SQLITE, params)
            row = cursor.fetchone()
            if row is None:
                ChainHead.objects.bulk_create(
                    [ChainHead(koperasi_id=koperasi_id, last_index=0, last_hash=chain.GENESIS)],
                    ignore_conflicts=True,
                )
                cursor.execute(_HEAD_SQLITE, params)
                row = cursor.fetchone()
    closed = row[2]
    if isinstance(closed, str):  # SQLite hands raw dates back as text
        closed = dt.date.fromisoformat(closed)
    return _Head(
        int(row[0]),
        str(row[1]),
        closed,
        {year: row[3] or 0} if year else {},
        None if row[4] is None else int(row[4]),
    )


def closed_through(koperasi_id: int) -> dt.date | None:
    """The end of the koperasi's latest closed period: nothing on or before it may be posted."""
    return Period.objects.filter(koperasi_id=koperasi_id, status=PeriodStatus.CLOSED).aggregate(
        end=Max("end_date")
    )["end"]


def _check_open(head: _Head, dates: Sequence[dt.date]) -> None:
    closed = head.closed_through
    if closed is not None and dates:
        early = min(dates)
        if early <= closed:
            raise LedgerError(
                _(
                    "Periode buku untuk tanggal %(tgl)s sudah ditutup (buku ditutup sampai "
                    "%(sampai)s)."
                )
                % {"tgl": early.strftime("%d/%m/%Y"), "sampai": closed.strftime("%d/%m/%Y")}
            )


def _check_not_future(koperasi: Koperasi, dates: Sequence[dt.date]) -> None:
    """Refuse a value date after the koperasi's business date: the books reach a day only when
    the close of business moves them there, and an entry dated ahead would sit in a day (and a
    period) nobody has opened yet."""
    if not dates:
        return
    latest = max(dates)
    if latest <= current_business_date(koperasi):
        return
    # The object in hand may predate a close of business: the row decides.
    fresh = Koperasi.objects.only("business_date", "timezone").get(pk=koperasi.pk)
    today = current_business_date(fresh)
    if latest > today:
        raise LedgerError(
            _("Tanggal buku %(tgl)s belum tiba: tanggal buku koperasi sekarang %(hari)s.")
            % {"tgl": tanggal(latest), "hari": tanggal(today)}
        )


def _entry_with_key(koperasi_id: int, key: str) -> JournalEntry | None:
    # Raw and by the partial unique index: this runs before every keyed post.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM ledger_journalentry WHERE koperasi_id = %s AND idempotency_key = %s",
            [koperasi_id, key],
        )
        row = cursor.fetchone()
    return None if row is None else JournalEntry.objects.get(pk=row[0])


_INSERT_ENTRY = (
    "INSERT INTO ledger_journalentry (koperasi_id, number, year, seq, chain_index, value_date, "
    "created_at, kind, memo, source, actor_id, idempotency_key, reverses_id, status, prev_hash, "
    "hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
_INSERT_POSTING = (
    "INSERT INTO ledger_posting (koperasi_id, entry_id, account_id, amount, memo, value_date) "
    "VALUES (%s, %s, %s, %s, %s, %s)"
)


# PostgreSQL: its rules run once per statement (see migrations/0008), so each step is one
# statement, whatever the number of rows: a single entry goes in by one call to
# ``ledger_post_entry`` (migration 0013: the draft, its postings as arrays unnested in line
# order, the chain head, the numbering, then posted); a batch by COPY, then one statement turns
# them posted, moves the chain head and the year's numbering.
_COPY_ENTRIES = (
    "COPY ledger_journalentry (koperasi_id, number, year, seq, chain_index, value_date, "
    "created_at, kind, memo, source, actor_id, idempotency_key, reverses_id, status, prev_hash, "
    "hash) FROM STDIN"
)
_COPY_POSTINGS = (
    "COPY ledger_posting (koperasi_id, entry_id, account_id, amount, memo, value_date) FROM STDIN"
)
_FINISH_POSTGRES = (
    "WITH head AS (UPDATE ledger_chainhead SET last_index = %s, last_hash = %s "
    "WHERE koperasi_id = %s), "
    "numbers AS (INSERT INTO ledger_entrysequence (koperasi_id, year, last_seq) "
    "SELECT %s, y.year, y.last_seq FROM unnest(%s::integer[], %s::integer[]) AS y(year, last_seq) "
    "ON CONFLICT (koperasi_id, year) DO UPDATE SET last_seq = excluded.last_seq) "
    "UPDATE ledger_journalentry SET status = 'posted' "
)


def _insert_postgres(
    cursor: Any,
    koperasi_id: int,
    items: Sequence[_Prepared],
    rows: list[tuple[Any, ...]],
    first_index: int,
) -> list[int]:
    with connection.wrap_database_errors:
        with cursor.copy(_COPY_ENTRIES) as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            "SELECT chain_index, id FROM ledger_journalentry "
            "WHERE koperasi_id = %s AND chain_index >= %s",
            [koperasi_id, first_index],
        )
        by_index = dict(cursor.fetchall())
        ids = [by_index[first_index + n] for n in range(len(rows))]
        with cursor.copy(_COPY_POSTINGS) as copy:
            for entry_id, item, row in zip(ids, items, rows, strict=True):
                for account_id, amount, memo in item.postings:
                    copy.write_row((koperasi_id, entry_id, account_id, amount, memo, row[5]))
    return ids


_POST_ONE_POSTGRES = (
    "SELECT ledger_post_entry(%s, %s, %s, %s, %s, %s::date, %s::timestamptz, %s, %s, %s, "
    "%s::integer, %s, %s::bigint, %s, %s, %s::bigint[], %s::bigint[], %s::text[], "
    "%s::integer[], %s::integer[], %s::jsonb)"
)


def _post_one_postgres(
    cursor: Any,
    item: _Prepared,
    row: tuple[Any, ...],
    next_seq: dict[int, int],
    audit_after: dict[str, Any] | None,
) -> int:
    """Write one entry (``row`` as for ``_INSERT_ENTRY``, a draft) in one call, with its audit
    row when ``audit_after`` is given (migration 0013)."""
    years = sorted(next_seq)
    postings = item.postings
    cursor.execute(
        _POST_ONE_POSTGRES,
        [
            *row[:13],  # up to reverses_id; the status is the function's ('draft', then posted)
            *row[14:],  # prev_hash, hash
            [p[0] for p in postings],
            [p[1] for p in postings],
            [p[2] for p in postings],
            years,
            [next_seq[y] for y in years],
            None if audit_after is None else json.dumps(audit_after),
        ],
    )
    return int(cursor.fetchone()[0])


def _finish_postgres(
    cursor: Any,
    koperasi_id: int,
    ids: list[int],
    first_index: int,
    last_index: int,
    last_hash: str,
    next_seq: dict[int, int],
) -> None:
    years = sorted(next_seq)
    params: list[Any] = [
        last_index,
        last_hash,
        koperasi_id,
        koperasi_id,
        years,
        [next_seq[y] for y in years],
    ]
    cursor.execute(
        _FINISH_POSTGRES + "WHERE koperasi_id = %s AND chain_index >= %s",
        [*params, koperasi_id, first_index],
    )


@dataclass(frozen=True, slots=True)
class _Written:
    ids: list[int]
    rows: list[tuple[Any, ...]]  # as inserted into ledger_journalentry (see _INSERT_ENTRY)
    created_at: dt.datetime
    audited: bool = False  # the audit row of a single entry was written with it


def _write(
    *,
    koperasi_id: int,
    actor_id: int | None,
    items: Sequence[_Prepared],
    head: _Head,
    audit_one: bool = False,
) -> _Written:
    """Number, chain and insert ``items`` (checked, chain head locked by the caller) as drafts,
    then turn them posted with one UPDATE, which the database accepts only if each balances and
    falls in an open period. Inserts go through ``executemany``: no model instances are built.
    ``audit_one``: on PostgreSQL a single entry's ``ledger.post`` audit row is written in the
    same call (``audited`` says so); elsewhere the caller records it.
    """
    ops = connection.ops
    created_at = timezone.now()
    created_text = chain.timestamp_text(created_at)
    created_db = ops.adapt_datetimefield_value(created_at)
    next_seq: dict[int, int] = dict(head.last_seq)
    dates: dict[dt.date, Any] = {}
    draft = EntryStatus.DRAFT.value
    rows = []
    first_index = head.last_index + 1
    index = head.last_index
    prev_hash = head.last_hash
    with connection.cursor() as cursor:
        for item in items:
            year = item.value_date.year
            if year not in next_seq:
                cursor.execute(
                    "SELECT last_seq FROM ledger_entrysequence "
                    "WHERE koperasi_id = %s AND year = %s",
                    [koperasi_id, year],
                )
                found = cursor.fetchone()
                next_seq[year] = found[0] if found else 0
            next_seq[year] += 1
            seq = next_seq[year]
            number = f"JU/{year}/{seq:06d}"
            index += 1
            digest = chain.link(
                prev_hash,
                chain.entry_text(
                    koperasi_id=koperasi_id,
                    chain_index=index,
                    number=number,
                    value_date=item.value_date,
                    created_at=created_text,
                    kind=item.kind,
                    memo=item.memo,
                    source=item.source,
                    actor_id=actor_id,
                    idempotency_key=item.idempotency_key,
                    reverses_id=item.reverses_id,
                    postings=item.postings,
                ),
            )
            rows.append(
                (
                    koperasi_id,
                    number,
                    year,
                    seq,
                    index,
                    dates.get(item.value_date)
                    or dates.setdefault(
                        item.value_date, ops.adapt_datefield_value(item.value_date)
                    ),
                    created_db,
                    item.kind,
                    item.memo,
                    item.source,
                    actor_id,
                    item.idempotency_key,
                    item.reverses_id,
                    draft,
                    prev_hash,
                    digest,
                )
            )
            prev_hash = digest
        if connection.vendor == "postgresql" and len(rows) == 1:
            after = _audit_after(rows[0]) if audit_one else None
            ids = [_post_one_postgres(cursor, items[0], rows[0], next_seq, after)]
            return _Written(ids=ids, rows=rows, created_at=created_at, audited=audit_one)
        if connection.vendor == "postgresql":
            ids = _insert_postgres(cursor, koperasi_id, items, rows, first_index)
            _finish_postgres(cursor, koperasi_id, ids, first_index, index, prev_hash, next_seq)
            return _Written(ids=ids, rows=rows, created_at=created_at)
        if len(rows) == 1:
            cursor.execute(_INSERT_ENTRY + " RETURNING id", rows[0])
            ids = [int(cursor.fetchone()[0])]
        else:
            cursor.executemany(_INSERT_ENTRY, rows)
            cursor.execute(
                "SELECT chain_index, id FROM ledger_journalentry "
                "WHERE koperasi_id = %s AND chain_index >= %s",
                [koperasi_id, first_index],
            )
            by_index = dict(cursor.fetchall())
            ids = [by_index[first_index + n] for n in range(len(rows))]
        cursor.executemany(
            _INSERT_POSTING,
            [
                (koperasi_id, entry_id, account_id, amount, memo, row[5])
                for entry_id, item, row in zip(ids, items, rows, strict=True)
                for account_id, amount, memo in item.postings
            ],
        )
        if len(rows) == 1:
            cursor.execute(
                "UPDATE ledger_journalentry SET status = %s WHERE id = %s",
                [EntryStatus.POSTED.value, ids[0]],
            )
        else:
            cursor.execute(
                "UPDATE ledger_journalentry SET status = %s "
                "WHERE koperasi_id = %s AND chain_index >= %s",
                [EntryStatus.POSTED.value, koperasi_id, first_index],
            )
        cursor.execute(
            "UPDATE ledger_chainhead SET last_index = %s, last_hash = %s WHERE koperasi_id = %s",
            [index, prev_hash, koperasi_id],
        )
        cursor.executemany(
            "INSERT INTO ledger_entrysequence (koperasi_id, year, last_seq) VALUES (%s, %s, %s) "
            "ON CONFLICT (koperasi_id, year) DO UPDATE SET last_seq = excluded.last_seq",
            [(koperasi_id, year, seq) for year, seq in next_seq.items()],
        )
    return _Written(ids=ids, rows=rows, created_at=created_at)


def _post_one(
    *, koperasi: Koperasi, item: _Prepared, actor: Any, head: _Head, audited: bool = True
) -> JournalEntry:
    _check_open(head, [item.value_date])
    actor_id = _actor_id(actor)
    written = _write(
        koperasi_id=koperasi.pk, actor_id=actor_id, items=[item], head=head, audit_one=audited
    )
    row = written.rows[0]
    entry = JournalEntry(
        id=written.ids[0],
        koperasi=koperasi,
        number=row[1],
        year=row[2],
        seq=row[3],
        chain_index=row[4],
        value_date=item.value_date,
        created_at=written.created_at,
        kind=item.kind,
        memo=item.memo,
        source=item.source,
        actor_id=actor_id,
        idempotency_key=item.idempotency_key,
        reverses_id=item.reverses_id,
        status=EntryStatus.POSTED,
        prev_hash=row[14],
        hash=row[15],
    )
    entry._state.adding = False
    entry._state.db = connection.alias
    if audited and not written.audited:
        audit.record(
            actor=actor,
            action="ledger.post",
            obj=entry,
            koperasi=koperasi,
            after=_audit_after(row),
        )
    return entry


def _audit_after(row: tuple[Any, ...]) -> dict[str, Any]:
    """What the audit trail keeps of a posted entry (``row`` as for ``_INSERT_ENTRY``)."""
    return {"number": row[1], "kind": row[7], "hash": row[15]}


# --- posting --------------------------------------------------------------------------------


class Books:
    """A koperasi's books held for one entry, in the caller's transaction (see :func:`lock_books`).

    ``keyed`` is the entry already posted under the idempotency key (the caller returns its
    first result and posts nothing); otherwise :meth:`post` writes the entry, once.
    """

    __slots__ = ("_head", "idempotency_key", "koperasi", "value_date")

    def __init__(
        self, koperasi: Koperasi, value_date: dt.date, idempotency_key: str | None, head: _Head
    ) -> None:
        self.koperasi = koperasi
        self.value_date = value_date
        self.idempotency_key = idempotency_key
        self._head: _Head | None = head

    @property
    def keyed(self) -> JournalEntry | None:
        head = self._head
        if head is None or head.keyed_id is None:
            return None
        return JournalEntry.objects.get(pk=head.keyed_id)

    def post(
        self,
        *,
        lines: Sequence[Line],
        kind: str,
        memo: str,
        actor: Any,
        source: str = "",
        audited: bool = True,
    ) -> JournalEntry:
        """Post the entry; refused like :func:`post`. ``audited=False`` leaves the audit record
        to the caller, whose own record of the action must name the entry (number and hash)."""
        head = self._head
        if head is None:
            raise RuntimeError("Books.post: these books have posted their entry already")
        if head.keyed_id is not None:
            raise RuntimeError("Books.post: an entry was posted under this key already")
        item = _prepare(
            koperasi_id=self.koperasi.pk,
            lines=lines,
            kind=kind,
            memo=memo,
            value_date=self.value_date,
            idempotency_key=self.idempotency_key,
            source=source,
        )
        _check_not_future(self.koperasi, [item.value_date])
        self._head = None
        return _post_one(koperasi=self.koperasi, item=item, actor=actor, head=head, audited=audited)


def lock_books(
    *, koperasi: Koperasi, value_date: dt.date | None = None, idempotency_key: str | None = None
) -> Books:
    """Lock the koperasi's chain head for one entry and look up its idempotency key, inside the
    caller's transaction (no savepoint of its own).

    For a caller that must know whether a key was used before it checks its own rules (a double
    tap on a withdrawal must return the first result, not fail on the balance it left): lock the
    rows the action reads, then the books, then build the lines and :meth:`Books.post`. Lock
    order stays the same as :func:`post`'s: the caller's rows first, the chain head last.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("lock_books must run inside a transaction (transaction.atomic)")
    value_date = value_date or current_business_date(koperasi)
    head = _lock_head(
        koperasi.pk, year=getattr(value_date, "year", None), key=idempotency_key or None
    )
    return Books(koperasi, value_date, idempotency_key, head)


@transaction.atomic
def post(
    *,
    koperasi: Koperasi,
    lines: Sequence[Line],
    kind: str,
    memo: str,
    actor: Any,
    value_date: dt.date | None = None,
    idempotency_key: str | None = None,
    source: str = "",
) -> JournalEntry:
    """Post one balanced entry; a repeat of an ``idempotency_key`` returns the first entry.

    ``value_date`` defaults to the koperasi's business date. Refused (``LedgerError``) when
    the lines do not balance, an account is another koperasi's, a group or inactive, or the
    value date falls in a closed period.
    """
    books = lock_books(koperasi=koperasi, value_date=value_date, idempotency_key=idempotency_key)
    first = books.keyed
    if first is not None:
        return first
    return books.post(lines=lines, kind=kind, memo=memo, actor=actor, source=source)


@transaction.atomic
def post_many(*, koperasi: Koperasi, entries: Sequence[NewEntry], actor: Any) -> list[int]:
    """Post many entries in one transaction (migration, batch jobs); all or none.

    Returns the entry ids in order; an entry whose idempotency key was seen before (in the
    database or earlier in the batch) posts nothing and returns the first entry's id.
    Accounts are checked against the database, not against the objects passed in.
    """
    if not entries:
        return []
    head = _lock_head(koperasi.pk)
    today = current_business_date(koperasi)
    accounts = {a.pk: a for a in Account.objects.filter(koperasi_id=koperasi.pk)}
    keys = [e.idempotency_key for e in entries if e.idempotency_key is not None]
    known: dict[str, int] = {}
    for start in range(0, len(keys), 500):
        for key, entry_id in JournalEntry.objects.filter(
            koperasi_id=koperasi.pk, idempotency_key__in=keys[start : start + 500]
        ).values_list("idempotency_key", "id"):
            known[str(key)] = entry_id
    items: list[_Prepared] = []
    slots: list[int | str] = []  # per entry: the new item's position, or a key seen before
    batch_keys: dict[str, int] = {}
    for entry in entries:
        key = entry.idempotency_key
        if key is not None and (key in known or key in batch_keys):
            slots.append(key)
            continue
        item = _prepare(
            koperasi_id=koperasi.pk,
            lines=entry.lines,
            kind=entry.kind,
            memo=entry.memo,
            value_date=entry.value_date or today,
            idempotency_key=key,
            source=entry.source,
            accounts=accounts,
        )
        if key is not None:
            batch_keys[key] = len(items)
        slots.append(len(items))
        items.append(item)
    new_ids: list[int] = []
    if items:
        _check_open(head, [i.value_date for i in items])
        _check_not_future(koperasi, [i.value_date for i in items])
        new_ids = _write(
            koperasi_id=koperasi.pk, actor_id=_actor_id(actor), items=items, head=head
        ).ids
        audit.record(
            actor=actor,
            action="ledger.post_many",
            obj=koperasi,
            after={"entries": len(new_ids), "first_id": new_ids[0], "last_id": new_ids[-1]},
        )
    result = []
    for slot in slots:
        if isinstance(slot, int):
            result.append(new_ids[slot])
        elif slot in known:
            result.append(known[slot])
        else:
            result.append(new_ids[batch_keys[slot]])
    return result


@transaction.atomic
def reverse(
    *,
    entry: JournalEntry,
    actor: Any,
    memo: str = "",
    idempotency_key: str | None = None,
    value_date: dt.date | None = None,
    by_subledger: str | None = None,
) -> JournalEntry:
    """Post the mirror image of ``entry`` (every debit a credit and back), linked to it.

    The original stays as it was: corrections are reversals. An entry is reversed at most once.
    An entry a sub-ledger owns is refused unless that sub-ledger's own service asks
    (``by_subledger`` = its name), having undone its side in the same transaction.
    """
    koperasi = entry.koperasi
    value_date = value_date or current_business_date(koperasi)
    head = _lock_head(koperasi.pk, year=getattr(value_date, "year", None))
    if idempotency_key is not None:
        _check_text(idempotency_key, what="idempotency_key")
        first = _entry_with_key(koperasi.pk, idempotency_key)
        if first is not None:
            return first
    original = JournalEntry.objects.get(pk=entry.pk)
    if original.status != EntryStatus.POSTED:
        raise LedgerError(_("Hanya jurnal yang sudah diposting yang dapat dibalik."))
    owner = subledgers.owner_of(original)
    if owner is not None and owner.name != by_subledger:
        # Reversing only the books would leave the members' balances as they were.
        raise LedgerError(
            _(
                "Jurnal %(nomor)s adalah transaksi %(buku)s dan tidak dapat dibalik dari buku "
                "besar, karena saldo anggota tidak ikut kembali. Batalkan lewat %(halaman)s."
            )
            % {"nomor": original.number, "buku": owner.label(), "halaman": owner.undo_page()}
        )
    already = JournalEntry.objects.filter(koperasi_id=koperasi.pk, reverses_id=entry.pk).first()
    if already is not None:
        raise LedgerError(
            _("Jurnal %(nomor)s sudah dibalik oleh %(oleh)s.")
            % {"nomor": original.number, "oleh": already.number}
        )
    memo = _check_text(
        memo or books_text("Pembalikan %(nomor)s", nomor=original.number), what="memo"
    )
    if type(value_date) is not dt.date:
        raise LedgerError(_("Tanggal buku harus berupa tanggal."))
    _check_not_future(koperasi, [value_date])
    item = _Prepared(
        value_date=value_date,
        kind="reversal",
        memo=memo,
        source=f"ledger.JournalEntry:{original.pk}",
        idempotency_key=idempotency_key,
        reverses_id=original.pk,
        postings=[
            (account_id, -to_sen(amount), line_memo)
            for account_id, amount, line_memo in Posting.objects.filter(entry=original)
            .order_by("id")
            .values_list("account_id", "amount", "memo")
        ],
    )
    return _post_one(koperasi=koperasi, item=item, actor=actor, head=head)


# --- chart of accounts ----------------------------------------------------------------------


@transaction.atomic
def chart_setup(*, koperasi: Koperasi, actor: Any) -> None:
    """Create the KSP template chart and role mapping; what already exists is left alone."""
    existing = {a.code: a for a in Account.objects.filter(koperasi=koperasi)}
    codes = {t.code for t in KSP_TEMPLATE} | set(existing)
    created = []
    for tpl in KSP_TEMPLATE:
        if tpl.code in existing:
            continue
        parent = parent_code(tpl.code, codes)
        account = Account.objects.create(
            koperasi=koperasi,
            code=tpl.code,
            name=tpl.name,
            klass=tpl.klass,
            normal_side=tpl.normal_side,
            parent=existing.get(parent) if parent else None,
            is_group=tpl.is_group,
        )
        existing[tpl.code] = account
        created.append(tpl.code)
    mapped = set(RoleMapping.objects.filter(koperasi=koperasi).values_list("role", flat=True))
    roles = []
    for role, code in KSP_ROLES.items():
        if role not in mapped and code in existing:
            RoleMapping.objects.create(koperasi=koperasi, role=role, account=existing[code])
            roles.append(role)
    _lock_head(koperasi.pk)  # creates the chain head
    if created or roles:
        audit.record(
            actor=actor,
            action="ledger.chart_setup",
            obj=koperasi,
            after={"accounts": created, "roles": roles},
        )


def _check_role(role: str) -> None:
    base = role.split(":", 1)[0]
    if base not in AccountRole.values or len(role) > 80 or role.endswith(":"):
        raise LedgerError(_("Peran akun tidak dikenal: %(peran)s") % {"peran": role})


@transaction.atomic
def role_map(*, koperasi: Koperasi, role: str, account: Account, actor: Any) -> RoleMapping:
    """Point ``role`` (e.g. ``kas`` or ``simpanan_sukarela:SIBUHAR``) at ``account``."""
    _check_role(role)
    if account.koperasi_id != koperasi.pk:
        raise LedgerError(_("Akun %(akun)s milik koperasi lain.") % {"akun": account})
    if account.is_group:
        raise LedgerError(
            _("Akun %(akun)s adalah akun kelompok dan tidak dapat diposting.") % {"akun": account}
        )
    mapping = RoleMapping.objects.select_for_update().filter(koperasi=koperasi, role=role).first()
    before = None if mapping is None else {"account": mapping.account_id}
    if mapping is None:
        mapping = RoleMapping.objects.create(koperasi=koperasi, role=role, account=account)
    else:
        mapping.account = account
        mapping.save(update_fields=["account"])
    audit.record(
        actor=actor,
        action="ledger.role_map",
        obj=mapping,
        koperasi=koperasi,
        before=before,
        after={"role": role, "account": account.pk},
    )
    return mapping


def _check_account_fields(
    *, koperasi: Koperasi, code: str, klass: str, normal_side: str, parent: Account | None
) -> None:
    parts = code.split(".")
    if not code or len(code) > 20 or not all(p.isdigit() for p in parts):
        raise LedgerError(_("Kode akun harus angka bertitik, misalnya 1.1.01."))
    if klass not in AccountClass.values:
        raise LedgerError(_("Golongan akun tidak dikenal: %(g)s") % {"g": klass})
    if normal_side not in NormalSide.values:
        raise LedgerError(_("Saldo normal harus debit atau kredit."))
    if parent is not None:
        if parent.koperasi_id != koperasi.pk:
            raise LedgerError(_("Akun induk milik koperasi lain."))
        if not parent.is_group:
            raise LedgerError(_("Akun induk harus akun kelompok."))
        if parent.klass != klass:
            raise LedgerError(_("Akun induk harus dari golongan yang sama."))


@transaction.atomic
def account_create(
    *,
    koperasi: Koperasi,
    actor: Any,
    code: str,
    name: str,
    klass: str,
    normal_side: str,
    parent: Account | None = None,
    is_group: bool = False,
) -> Account:
    code = (code or "").strip()
    name = (name or "").strip()
    _check_account_fields(
        koperasi=koperasi, code=code, klass=klass, normal_side=normal_side, parent=parent
    )
    if not name:
        raise LedgerError(_("Nama akun harus diisi."))
    _check_text(name, what="name")
    if Account.objects.filter(koperasi=koperasi, code=code).exists():
        raise LedgerError(_("Kode akun %(kode)s sudah dipakai.") % {"kode": code})
    account = Account.objects.create(
        koperasi=koperasi,
        code=code,
        name=name,
        klass=klass,
        normal_side=normal_side,
        parent=parent,
        is_group=is_group,
    )
    audit.record(
        actor=actor, action="ledger.account_create", obj=account, after=audit.snapshot(account)
    )
    return account


ACCOUNT_EDITABLE = ("code", "name", "normal_side", "parent", "is_active", "klass", "is_group")


@transaction.atomic
def account_update(*, account: Account, actor: Any, **changes: Any) -> Account:
    """Edit an account. Class, normal side and group flag change only while it has no postings;
    an account that a role points at cannot be deactivated."""
    unknown = set(changes) - set(ACCOUNT_EDITABLE)
    if unknown:
        raise LedgerError(_("Kolom tidak dapat diubah: %(f)s") % {"f": ", ".join(sorted(unknown))})
    locked = Account.objects.select_for_update().get(pk=account.pk)
    before = audit.snapshot(locked)
    for key, value in changes.items():
        setattr(locked, key, value.strip() if isinstance(value, str) else value)
    _check_account_fields(
        koperasi=locked.koperasi,
        code=locked.code,
        klass=locked.klass,
        normal_side=locked.normal_side,
        parent=locked.parent,
    )
    if not locked.name:
        raise LedgerError(_("Nama akun harus diisi."))
    if locked.parent_id == locked.pk:
        raise LedgerError(_("Akun tidak dapat menjadi induk dirinya sendiri."))
    if "parent" in changes and locked.parent_id is not None:
        # Walk up from the new parent: meeting this account again would make a loop.
        parents = dict(
            Account.objects.filter(koperasi_id=locked.koperasi_id).values_list("pk", "parent_id")
        )
        seen, up = set(), parents.get(locked.parent_id)
        while up is not None and up not in seen:
            if up == locked.pk:
                raise LedgerError(
                    _("Akun %(induk)s berada di bawah akun ini dan tidak dapat menjadi induknya.")
                    % {"induk": locked.parent}
                )
            seen.add(up)
            up = parents.get(up)
    restructured = any(
        before[f] != getattr(locked, f) for f in ("klass", "normal_side", "is_group")
    )
    if restructured and Posting.objects.filter(account_id=locked.pk).exists():
        raise LedgerError(
            _("Golongan, saldo normal dan jenis akun tidak dapat diubah setelah akun dipakai.")
        )
    if not locked.is_active and RoleMapping.objects.filter(account=locked).exists():
        raise LedgerError(
            _("Akun ini dipakai oleh peran akun; pindahkan perannya dulu sebelum menonaktifkan.")
        )
    if (
        "code" in changes
        and Account.objects.filter(koperasi_id=locked.koperasi_id, code=locked.code)
        .exclude(pk=locked.pk)
        .exists()
    ):
        raise LedgerError(_("Kode akun %(kode)s sudah dipakai.") % {"kode": locked.code})
    locked.save()
    old, new = audit.changed(before, audit.snapshot(locked))
    if new:
        audit.record(actor=actor, action="ledger.account_update", obj=locked, before=old, after=new)
    return locked


# --- periods and the business date ----------------------------------------------------------


def _month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


@transaction.atomic
def period_close(*, koperasi: Koperasi, year: int, month: int, actor: Any) -> Period:
    """Close a month: store every account's closing balance, refuse postings into it from now.

    Months close in order; the first close also closes everything before it. A month can be
    closed only once the business date has passed its end.
    """
    if not (1 <= month <= 12) or not (1900 <= year <= 9999):
        raise LedgerError(_("Bulan atau tahun periode tidak sah."))
    start, end = _month_bounds(year, month)
    today = current_business_date(Koperasi.objects.get(pk=koperasi.pk))
    if end >= today:
        raise LedgerError(
            _("Periode %(p)s belum berakhir (tanggal buku koperasi %(tgl)s).")
            % {"p": f"{month:02d}/{year}", "tgl": today.strftime("%d/%m/%Y")}
        )
    _lock_head(koperasi.pk)
    last = (
        Period.objects.filter(koperasi=koperasi, status=PeriodStatus.CLOSED)
        .order_by("-end_date")
        .first()
    )
    if last is not None:
        if (year, month) <= (last.year, last.month):
            raise LedgerError(_("Periode %(p)s sudah ditutup.") % {"p": f"{month:02d}/{year}"})
        expected = _next_month(last.year, last.month)
        if (year, month) != expected:
            raise LedgerError(
                _("Tutup dulu periode %(p)s; periode ditutup berurutan.")
                % {"p": f"{expected[1]:02d}/{expected[0]}"}
            )
    # The last closing plus the database's month totals since (no posting is read): periods
    # are calendar months, and a month's total holds every posted posting dated in it.
    balances: dict[int, int] = {}
    window = AccountPeriodBalance.objects.filter(koperasi=koperasi, month__lte=start)
    if last is not None:
        for account_id, amount in PeriodBalance.objects.filter(period=last).values_list(
            "account_id", "balance"
        ):
            balances[account_id] = to_sen(amount)
        window = window.filter(month__gt=last.end_date)
    for account_id, amount in (
        window.values("account_id").annotate(s=Sum("amount")).values_list("account_id", "s")
    ):
        balances[account_id] = balances.get(account_id, 0) + to_sen(amount)
    period, _created = Period.objects.get_or_create(
        koperasi=koperasi, year=year, month=month, defaults={"start_date": start, "end_date": end}
    )
    PeriodBalance.objects.filter(period=period).delete()
    PeriodBalance.objects.bulk_create(
        [
            PeriodBalance(koperasi=koperasi, period=period, account_id=a, balance=Decimal(s) / 100)
            for a, s in sorted(balances.items())
            if s
        ]
    )
    # The audit event first: the database lets a period's status change only once its audit
    # trail names the change (ledger/migrations/0005_account_period_rules.py).
    audit.record(
        actor=actor,
        action="ledger.period_close",
        obj=period,
        koperasi=koperasi,
        after={"period": str(period), "accounts": len([s for s in balances.values() if s])},
    )
    period.status = PeriodStatus.CLOSED
    period.closed_at = timezone.now()
    period.closed_by = _user(actor)
    period.save()
    return period


@transaction.atomic
def period_reopen(*, period: Period, actor: Any, reason: str) -> Period:
    """Reopen the latest closed month. Needs a second person: not the one who closed it."""
    user = _user(actor)
    reason = (reason or "").strip()
    if user is None:
        raise LedgerError(_("Pembukaan kembali periode harus dilakukan oleh pengguna yang masuk."))
    if not reason:
        raise LedgerError(_("Alasan membuka kembali periode harus diisi."))
    _check_text(reason, what="reason")
    _lock_head(period.koperasi_id)
    locked = Period.objects.select_for_update().get(pk=period.pk)
    if locked.status != PeriodStatus.CLOSED:
        raise LedgerError(_("Periode %(p)s tidak dalam keadaan ditutup.") % {"p": locked})
    if locked.closed_by_id is not None and locked.closed_by_id == user.pk:
        raise LedgerError(_("Periode harus dibuka kembali oleh orang lain, bukan yang menutupnya."))
    later = (
        Period.objects.filter(
            koperasi_id=locked.koperasi_id,
            status=PeriodStatus.CLOSED,
            end_date__gt=locked.end_date,
        )
        .order_by("end_date")
        .first()
    )
    if later is not None:
        raise LedgerError(_("Buka kembali dulu periode %(p)s yang lebih baru.") % {"p": later})
    # The audit event, then the status, then the balances: the database lets the status change
    # only once the audit trail names it, and deletes balances only of an open period.
    audit.record(
        actor=actor,
        action="ledger.period_reopen",
        obj=locked,
        before={"status": PeriodStatus.CLOSED, "closed_by": locked.closed_by_id},
        after={"status": PeriodStatus.OPEN},
        note=reason,
    )
    locked.status = PeriodStatus.OPEN
    locked.reopened_at = timezone.now()
    locked.reopened_by = user
    locked.reopen_reason = reason
    locked.save()
    PeriodBalance.objects.filter(period=locked).delete()
    return locked


@transaction.atomic
def business_date_set(*, koperasi: Koperasi, on: dt.date, actor: Any) -> Koperasi:
    """Set the koperasi's business date (what its books call today). Not into a closed period."""
    if not isinstance(on, dt.date) or isinstance(on, dt.datetime):
        raise LedgerError(_("Tanggal buku harus berupa tanggal."))
    locked = Koperasi.objects.select_for_update().get(pk=koperasi.pk)
    closed = closed_through(locked.pk)
    if closed is not None and on <= closed:
        raise LedgerError(
            _("Tanggal buku tidak boleh jatuh pada periode yang sudah ditutup (sampai %(s)s).")
            % {"s": closed.strftime("%d/%m/%Y")}
        )
    before = locked.business_date
    locked.business_date = on
    locked.save(update_fields=["business_date"])
    koperasi.business_date = on
    audit.record(
        actor=actor,
        action="ledger.business_date",
        obj=locked,
        before={"business_date": before.isoformat() if before else None},
        after={"business_date": on.isoformat()},
    )
    return locked


def business_date_advance(*, koperasi: Koperasi, actor: Any, days: int = 1) -> Koperasi:
    """Move the business date forward by ``days`` (the close of business calls this)."""
    if days < 1:
        raise LedgerError(_("Tanggal buku hanya dapat dimajukan."))
    current = current_business_date(Koperasi.objects.get(pk=koperasi.pk))
    return business_date_set(koperasi=koperasi, on=current + dt.timedelta(days=days), actor=actor)
