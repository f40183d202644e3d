"""Writes to the books. Each is atomic (joining the caller's transaction), validates first with
an Indonesian message, and leaves an audit record; the database checks the same rules again.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from core.dates import business_date as current_business_date
from core.money import ZERO, InvalidAmount, format_rupiah, money, to_sen
from ledger import chain
from ledger.chart import KSP_ROLES, KSP_TEMPLATE, parent_code
from ledger.models import (
    Account,
    AccountClass,
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
    "LedgerError",
    "Line",
    "NewEntry",
    "account_create",
    "account_update",
    "business_date_advance",
    "business_date_set",
    "chart_setup",
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


def _check_text(value: str, *, limit: int, label: str) -> str:
    value = value or ""
    if len(value) > limit:
        raise LedgerError(
            _("%(label)s terlalu panjang (paling banyak %(n)d karakter).")
            % {"label": label, "n": limit}
        )
    return value


def _side(value: Decimal | int | str, *, account: Account) -> int:
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
    _check_text(kind, limit=40, label=_("Jenis jurnal"))
    _check_text(memo, limit=250, label=_("Keterangan"))
    _check_text(source, limit=120, label=_("Sumber"))
    if idempotency_key is not None:
        _check_text(idempotency_key, limit=100, label=_("Kunci idempotensi"))
        if not idempotency_key:
            raise LedgerError(_("Kunci idempotensi tidak boleh kosong."))
    if not isinstance(value_date, dt.date) or isinstance(value_date, dt.datetime):
        raise LedgerError(_("Tanggal buku harus berupa tanggal."))
    if len(lines) < 2:
        raise LedgerError(_("Jurnal harus memiliki sedikitnya dua baris."))
    postings: list[tuple[int, int, str]] = []
    total_debit = total_credit = 0
    for line in lines:
        account = line.account
        if accounts is not None:
            fresh = accounts.get(account.pk)
            if fresh is None:
                raise LedgerError(_("Akun %(akun)s milik koperasi lain.") % {"akun": account})
            account = fresh
        if account.koperasi_id != koperasi_id:
            raise LedgerError(_("Akun %(akun)s milik koperasi lain.") % {"akun": account})
        if account.is_group:
            raise LedgerError(
                _("Akun %(akun)s adalah akun kelompok dan tidak dapat diposting.")
                % {"akun": account}
            )
        if not account.is_active:
            raise LedgerError(_("Akun %(akun)s tidak aktif.") % {"akun": account})
        debit = _side(line.debit, account=account)
        credit = _side(line.credit, account=account)
        if (debit > 0) == (credit > 0):
            raise LedgerError(
                _("Setiap baris harus berisi tepat satu sisi, debit atau kredit (akun %(akun)s).")
                % {"akun": account}
            )
        _check_text(line.memo, limit=250, label=_("Keterangan baris"))
        total_debit += debit
        total_credit += credit
        postings.append((account.pk, debit - credit, line.memo or ""))
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


def _lock_head(koperasi_id: int) -> tuple[int, str]:
    """Lock the koperasi's chain head (PostgreSQL row lock) and return (last index, last hash)."""
    row = (
        ChainHead.objects.select_for_update()
        .filter(koperasi_id=koperasi_id)
        .values_list("last_index", "last_hash")
        .first()
    )
    if row is None:
        ChainHead.objects.bulk_create(
            [ChainHead(koperasi_id=koperasi_id, last_index=0, last_hash=chain.GENESIS)],
            ignore_conflicts=True,
        )
        row = (
            ChainHead.objects.select_for_update()
            .filter(koperasi_id=koperasi_id)
            .values_list("last_index", "last_hash")
            .get()
        )
    return row


def closed_through(koperasi_id: int) -> dt.date | None:
    """The end of the koperasi's latest closed period: nothing on or before it may be posted."""
    return Period.objects.filter(koperasi_id=koperasi_id, status=PeriodStatus.CLOSED).aggregate(
        end=Max("end_date")
    )["end"]


def _check_open(koperasi_id: int, dates: Sequence[dt.date]) -> None:
    closed = closed_through(koperasi_id)
    if closed is not None:
        early = min(dates)
        if early <= closed:
            raise LedgerError(
                _(
                    "Periode buku untuk tanggal %(tgl)s sudah ditutup (buku ditutup sampai "
                    "%(sampai)s)."
                )
                % {"tgl": early.strftime("%d/%m/%Y"), "sampai": closed.strftime("%d/%m/%Y")}
            )


_INSERT_ENTRY = (
    "INSERT INTO ledger_journalentry (koperasi_id, number, year, seq, chain_index, value_date, "
    "created_at, kind, memo, source, actor_id, idempotency_key, reverses_id, status, prev_hash, "
    "hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
_INSERT_POSTING = (
    "INSERT INTO ledger_posting (koperasi_id, entry_id, account_id, amount, memo, value_date) "
    "VALUES (%s, %s, %s, %s, %s, %s)"
)


def _write(*, koperasi_id: int, actor_id: int | None, items: Sequence[_Prepared]) -> list[int]:
    """Number, chain and insert ``items`` (already checked; chain head locked by the caller is
    not assumed: this locks it) as drafts, then turn them posted in one UPDATE, which the
    database accepts only if every one balances in an open period. Returns the entry ids."""
    last_index, prev_hash = _lock_head(koperasi_id)
    ops = connection.ops
    created_at = timezone.now()
    created_db = ops.adapt_datetimefield_value(created_at)
    next_seq: dict[int, int] = {}
    entry_rows = []
    first_index = last_index + 1
    index = last_index
    with connection.cursor() as cursor:
        for item in items:
            year = item.value_date.year
            if year not in next_seq:
                cursor.execute(
                    "SELECT MAX(seq) FROM ledger_journalentry WHERE koperasi_id = %s AND year = %s",
                    [koperasi_id, year],
                )
                next_seq[year] = cursor.fetchone()[0] or 0
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
                    created_at=created_at,
                    kind=item.kind,
                    memo=item.memo,
                    source=item.source,
                    actor_id=actor_id,
                    idempotency_key=item.idempotency_key,
                    reverses_id=item.reverses_id,
                    postings=item.postings,
                ),
            )
            entry_rows.append(
                (
                    koperasi_id,
                    number,
                    year,
                    seq,
                    index,
                    ops.adapt_datefield_value(item.value_date),
                    created_db,
                    item.kind,
                    item.memo,
                    item.source,
                    actor_id,
                    item.idempotency_key,
                    item.reverses_id,
                    EntryStatus.DRAFT.value,
                    prev_hash,
                    digest,
                )
            )
            prev_hash = digest
        cursor.executemany(_INSERT_ENTRY, entry_rows)
        cursor.execute(
            "SELECT chain_index, id FROM ledger_journalentry "
            "WHERE koperasi_id = %s AND chain_index >= %s",
            [koperasi_id, first_index],
        )
        ids = dict(cursor.fetchall())
        entry_ids = [ids[first_index + n] for n in range(len(items))]
        cursor.executemany(
            _INSERT_POSTING,
            [
                (koperasi_id, entry_id, account_id, amount, memo, row[5])
                for entry_id, item, row in zip(entry_ids, items, entry_rows, strict=True)
                for account_id, amount, memo in item.postings
            ],
        )
        cursor.execute(
            "UPDATE ledger_journalentry SET status = %s "
            "WHERE koperasi_id = %s AND chain_index >= %s",
            [EntryStatus.POSTED.value, koperasi_id, first_index],
        )
        cursor.execute(
            "UPDATE ledger_chainhead SET last_index = %s, last_hash = %s WHERE koperasi_id = %s",
            [index, prev_hash, koperasi_id],
        )
    return entry_ids


# --- posting --------------------------------------------------------------------------------


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
    value_date = value_date or current_business_date(koperasi)
    if idempotency_key is not None:
        first = JournalEntry.objects.filter(
            koperasi_id=koperasi.pk, idempotency_key=idempotency_key
        ).first()
        if first is not None:
            return first
    item = _prepare(
        koperasi_id=koperasi.pk,
        lines=lines,
        kind=kind,
        memo=memo,
        value_date=value_date,
        idempotency_key=idempotency_key,
        source=source,
    )
    return _post_prepared(koperasi=koperasi, item=item, actor=actor)


def _post_prepared(*, koperasi: Koperasi, item: _Prepared, actor: Any) -> JournalEntry:
    _check_open(koperasi.pk, [item.value_date])
    if item.idempotency_key is not None:
        # Checked again under the chain lock: a concurrent repeat may have won the race.
        _lock_head(koperasi.pk)
        first = JournalEntry.objects.filter(
            koperasi_id=koperasi.pk, idempotency_key=item.idempotency_key
        ).first()
        if first is not None:
            return first
    (entry_id,) = _write(koperasi_id=koperasi.pk, actor_id=_actor_id(actor), items=[item])
    entry = JournalEntry.objects.get(pk=entry_id)
    audit.record(
        actor=actor,
        action="ledger.post",
        obj=entry,
        koperasi=koperasi,
        after={"number": entry.number, "kind": entry.kind, "hash": entry.hash},
    )
    return entry


@transaction.atomic
def post_many(*, koperasi: Koperasi, entries: Sequence[NewEntry], actor: Any) -> list[int]:
    """Post many entries in one transaction (migration, batch jobs); all or none.

    Returns the entry ids in order; an entry whose idempotency key was seen before (in the
    database or earlier in the batch) posts nothing and returns the first entry's id.
    """
    if not entries:
        return []
    today = current_business_date(koperasi)
    accounts = {a.pk: a for a in Account.objects.filter(koperasi_id=koperasi.pk)}
    _lock_head(koperasi.pk)
    keys = [e.idempotency_key for e in entries if e.idempotency_key is not None]
    known: dict[str, int] = {}
    for start in range(0, len(keys), 500):
        for key, entry_id in JournalEntry.objects.filter(
            koperasi_id=koperasi.pk, idempotency_key__in=keys[start : start + 500]
        ).values_list("idempotency_key", "id"):
            known[str(key)] = entry_id
    items: list[_Prepared] = []
    slots: list[int | str] = []  # per entry: the new item's position, or a key already known
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
    if items:
        _check_open(koperasi.pk, [i.value_date for i in items])
        new_ids = _write(koperasi_id=koperasi.pk, actor_id=_actor_id(actor), items=items)
        audit.record(
            actor=actor,
            action="ledger.post_many",
            koperasi=koperasi,
            after={"entries": len(new_ids), "first_id": new_ids[0], "last_id": new_ids[-1]},
        )
    else:
        new_ids = []
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
) -> JournalEntry:
    """Post the mirror image of ``entry`` (every debit a credit and back), linked to it.

    The original stays as it was: corrections are reversals. An entry is reversed at most once.
    """
    koperasi = entry.koperasi
    if idempotency_key is not None:
        first = JournalEntry.objects.filter(
            koperasi_id=koperasi.pk, idempotency_key=idempotency_key
        ).first()
        if first is not None:
            return first
    entry = JournalEntry.objects.get(pk=entry.pk)
    if entry.status != EntryStatus.POSTED:
        raise LedgerError(_("Hanya jurnal yang sudah diposting yang dapat dibalik."))
    already = JournalEntry.objects.filter(koperasi_id=koperasi.pk, reverses_id=entry.pk).first()
    if already is not None:
        raise LedgerError(
            _("Jurnal %(nomor)s sudah dibalik oleh %(oleh)s.")
            % {"nomor": entry.number, "oleh": already.number}
        )
    memo = memo or _("Pembalikan %(nomor)s") % {"nomor": entry.number}
    _check_text(memo, limit=250, label=_("Keterangan"))
    if idempotency_key is not None:
        _check_text(idempotency_key, limit=100, label=_("Kunci idempotensi"))
    item = _Prepared(
        value_date=value_date or current_business_date(koperasi),
        kind="reversal",
        memo=memo,
        source=f"ledger.JournalEntry:{entry.pk}",
        idempotency_key=idempotency_key,
        reverses_id=entry.pk,
        postings=[
            (p.account_id, -to_sen(p.amount), p.memo)
            for p in Posting.objects.filter(entry=entry).order_by("id")
        ],
    )
    return _post_prepared(koperasi=koperasi, item=item, actor=actor)


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
    _lock_head(koperasi.pk)
    if created or roles:
        audit.record(
            actor=actor,
            action="ledger.chart_setup",
            obj=koperasi,
            after={"accounts": created, "roles": roles},
        )


def _check_role(role: str) -> None:
    base = role.split(":", 1)[0]
    if base not in AccountRole.values or len(role) > 60 or role.endswith(":"):
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
    _check_text(name, limit=120, label=_("Nama akun"))
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
    balances: dict[int, int] = {}
    window = Posting.objects.filter(
        koperasi=koperasi, value_date__lte=end, entry__status=EntryStatus.POSTED
    )
    if last is not None:
        for account_id, amount in PeriodBalance.objects.filter(period=last).values_list(
            "account_id", "balance"
        ):
            balances[account_id] = to_sen(amount)
        window = window.filter(value_date__gt=last.end_date)
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
    period.status = PeriodStatus.CLOSED
    period.closed_at = timezone.now()
    period.closed_by = _user(actor)
    period.save()
    audit.record(
        actor=actor,
        action="ledger.period_close",
        obj=period,
        koperasi=koperasi,
        after={"period": str(period), "accounts": len([s for s in balances.values() if s])},
    )
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
    _check_text(reason, limit=250, label=_("Alasan"))
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
    PeriodBalance.objects.filter(period=locked).delete()
    closed_by = locked.closed_by_id
    locked.status = PeriodStatus.OPEN
    locked.reopened_at = timezone.now()
    locked.reopened_by = user
    locked.reopen_reason = reason
    locked.save()
    audit.record(
        actor=actor,
        action="ledger.period_reopen",
        obj=locked,
        before={"status": PeriodStatus.CLOSED, "closed_by": closed_by},
        after={"status": PeriodStatus.OPEN},
        note=reason,
    )
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
