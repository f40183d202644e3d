"""Revert: a committed batch undone while nothing else has touched what it created.

Every entry the batch posted is reversed (corrections are reversals; the originals stay), and
the members, savings accounts and loans it created are taken back, so the books and the
registers are as they were before it (savings movements are append-only: see
:func:`_take_back`). Refused with a message when anything else used
them since: a deposit, a repayment, an account or loan opened for one of its members, a member
edited, a month end's wajib bill, or a later migration batch.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import ProtectedError, QuerySet, RestrictedError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from core import audit
from core.books import books_text
from core.dates import business_date
from core.money import ZERO
from ledger import services as ledger
from ledger.models import JournalEntry
from loans.models import Instalment, InstalmentMovement, Loan, LoanEvent, LoanTransaction
from members.models import Member
from migration import subledger
from migration.models import BatchStatus, MigrationBatch, MigrationRecord, RecordKind
from migration.services.figures import refresh_figures
from migration.services.result import MigrationError
from savings.models import Account as SavingsAccount
from savings.models import CloseReason, Obligation, TaxWithholding
from savings.models import Transaction as SavingsTransaction
from savings.services._bulk import insert_rows, now
from savings.services._common import BOOKED_FIELDS

# A member of a reverted batch stays in the register as left, with this reason (see _take_back).
REVERTED_REASON = "Migrasi dibatalkan"


def _ids(batch: MigrationBatch, kind: str) -> QuerySet[MigrationRecord, Any]:
    return MigrationRecord.objects.filter(batch=batch, kind=kind).values("object_id")


def _arrears(batch: MigrationBatch) -> QuerySet[Obligation, Any]:
    """The wajib arrears the batch brought in (migration.services.arrears): its accounts'
    months billed before the month of its migration date, unpaid (a month end bills the
    migration month on; a payment is a movement, which refuses the revert by itself)."""
    accounts = _ids(batch, RecordKind.SAVINGS_ACCOUNT)
    before = (batch.migrated_on or business_date(batch.koperasi)).replace(day=1)
    return Obligation.objects.filter(account_id__in=accounts, period__lt=before, paid=0).values(
        "pk"
    )


def _touched(batch: MigrationBatch) -> str | None:
    """Why the batch's records cannot be taken back, or None."""
    members = _ids(batch, RecordKind.MEMBER)
    accounts = _ids(batch, RecordKind.SAVINGS_ACCOUNT)
    loans = _ids(batch, RecordKind.LOAN)
    entries = _ids(batch, RecordKind.ENTRY)
    later = (
        MigrationBatch.objects.filter(
            koperasi_id=batch.koperasi_id, status=BatchStatus.COMMITTED, pk__gt=batch.pk
        )
        .order_by("pk")
        .first()
    )
    if later is not None:
        return _("Batalkan dulu migrasi yang lebih baru (%(f)s, batch %(n)s).") % {
            "f": later.filename,
            "n": later.pk,
        }
    if (
        SavingsTransaction.objects.filter(account_id__in=accounts)
        .exclude(entry_id__in=entries)
        .exists()
    ):
        return _("Sudah ada setoran atau penarikan pada rekening simpanan dari migrasi ini.")
    if (
        SavingsAccount.objects.filter(member_id__in=members).exclude(pk__in=accounts).exists()
        or Loan.objects.filter(member_id__in=members).exclude(pk__in=loans).exists()
    ):
        return _("Sudah ada rekening atau pinjaman baru untuk anggota dari migrasi ini.")
    if LoanTransaction.objects.filter(loan_id__in=loans).exclude(entry_id__in=entries).exists():
        return _("Sudah ada angsuran atau transaksi lain pada pinjaman dari migrasi ini.")
    if LoanEvent.objects.filter(loan_id__in=loans).exclude(kind="dimigrasi").exists():
        return _("Pinjaman dari migrasi ini sudah diubah sesudahnya (peristiwa pinjaman).")
    if Obligation.objects.filter(account_id__in=accounts).exclude(pk__in=_arrears(batch)).exists():
        return _("Tagihan simpanan wajib sudah dibuat untuk anggota dari migrasi ini.")
    if TaxWithholding.objects.filter(member_id__in=members).exists():
        return _("Pajak bunga simpanan sudah dipotong untuk anggota dari migrasi ini.")
    written = parse_datetime(str((batch.counts or {}).get("written_at", "")))
    if (
        written is not None
        and Member.objects.filter(pk__in=members, updated_at__gt=written).exists()
    ):
        return _("Data anggota dari migrasi ini sudah diubah sesudahnya.")
    return None


def _take_back(batch: MigrationBatch, *, reversed_by: dict[int, int], actor: Any) -> None:
    """Remove what the batch created. Savings movements are append-only (the database refuses
    to delete them): an account that had an opening movement gets its void (same kind, opposite
    amount, on the reversal entry) and is closed empty, and its member stays in the register as
    left (``REVERTED_REASON``), so a later import of the fixed file takes the same member up
    again. Everything else is deleted."""
    koperasi = batch.koperasi
    on = business_date(koperasi)
    members = _ids(batch, RecordKind.MEMBER)
    accounts = _ids(batch, RecordKind.SAVINGS_ACCOUNT)
    loans = _ids(batch, RecordKind.LOAN)
    try:
        InstalmentMovement.objects.filter(instalment__loan_id__in=loans).delete()
        LoanTransaction.objects.filter(loan_id__in=loans).delete()
        Instalment.objects.filter(loan_id__in=loans).delete()
        LoanEvent.objects.filter(loan_id__in=loans).delete()
        Loan.objects.filter(pk__in=loans).delete()
        Obligation.objects.filter(pk__in=_arrears(batch)).delete()
        openings = list(
            SavingsTransaction.objects.filter(
                account_id__in=accounts, voids__isnull=True
            ).values_list("pk", "account_id", "kind", "amount", "entry_id")
        )
        created = now()
        memo = books_text("Pembatalan migrasi %(f)s", f=batch.filename)[:250]
        insert_rows(
            SavingsTransaction,
            (*BOOKED_FIELDS, "voids_id"),
            (
                (koperasi.pk, account_id, kind, -amount, on, created,
                 reversed_by[entry_id], memo, 0, pk)
                for pk, account_id, kind, amount, entry_id in openings
            ),
        )  # fmt: skip
        moved = {account_id for _pk, account_id, _k, _a, _e in openings}
        SavingsAccount.objects.filter(pk__in=accounts).exclude(pk__in=moved).delete()
        SavingsAccount.objects.filter(pk__in=moved).update(
            balance=ZERO,
            floor=ZERO,
            status=SavingsAccount.Status.DITUTUP,
            closed_on=on,
            close_reason=CloseReason.LEFT,
        )
        kept = SavingsAccount.objects.filter(member_id__in=members).values("member_id")
        Member.objects.filter(pk__in=members).exclude(pk__in=kept).delete()
        Member.objects.filter(pk__in=members).update(
            status=Member.Status.KELUAR,
            left_on=on,
            left_reason=f"{REVERTED_REASON} ({batch.filename})"[:250],
        )
    except (ProtectedError, RestrictedError) as exc:
        raise MigrationError(
            _("Migrasi %(f)s tidak dapat dibatalkan: data dari migrasi ini sudah dipakai.")
            % {"f": batch.filename}
        ) from exc


@transaction.atomic
def revert(batch: MigrationBatch, *, actor: Any) -> None:
    """Undo a committed batch (see the module docstring); raises :class:`MigrationError`."""
    locked = MigrationBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.dry_run or locked.status != BatchStatus.COMMITTED:
        raise MigrationError(
            _("Hanya migrasi yang sudah diimpor dan belum dibatalkan yang dapat dibatalkan.")
        )
    reason = _touched(locked)
    if reason is not None:
        raise MigrationError(
            _("Migrasi %(f)s tidak dapat dibatalkan: %(r)s") % {"f": locked.filename, "r": reason}
        )
    entry_ids = list(
        MigrationRecord.objects.filter(batch=locked, kind=RecordKind.ENTRY)
        .order_by("-object_id")
        .values_list("object_id", flat=True)
    )
    reversals = []
    for entry in sorted(
        JournalEntry.objects.filter(pk__in=entry_ids), key=lambda e: entry_ids.index(e.pk)
    ):
        reversals.append(
            ledger.reverse(
                entry=entry,
                actor=actor,
                by_subledger=subledger.NAME,
                memo=books_text(
                    "Pembatalan migrasi %(f)s: %(n)s", f=locked.filename, n=entry.number
                )[:250],
            ).pk
        )
    _take_back(locked, reversed_by=dict(zip(entry_ids, reversals, strict=True)), actor=actor)
    counts = dict(locked.counts or {})
    MigrationRecord.objects.filter(batch=locked).delete()
    locked.status = BatchStatus.REVERTED
    locked.reverted_at = timezone.now()
    locked.reverted_by = actor if getattr(actor, "is_authenticated", False) else None
    locked.save(update_fields=["status", "reverted_at", "reverted_by"])
    audit.record(
        actor=actor,
        action="migration.revert",
        obj=locked,
        after={"reversals": reversals, "created": counts.get("created", {})},
    )
    refresh_figures(locked.koperasi)
    batch.status = locked.status
    batch.reverted_at = locked.reverted_at
