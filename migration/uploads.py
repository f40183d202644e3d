"""The wizard's stored file: upload, mapping, and the plan and commit run on it.

An upload is checked by the safe reader and its sheets' headers found at once (the first rows
only); the person confirms or corrects each sheet's kind and columns; the plan and the commit
then run as background jobs (:mod:`migration.tasks`) through :mod:`migration.services`, their
progress written where the page can read it while the import's one transaction is open (the
upload's row from a connection of its own on PostgreSQL, a small file on SQLite, whose one
write lock the import holds), their result and report workbook kept on the row.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import audit
from core.spreadsheet import SpreadsheetError, open_workbook
from migration import services
from migration.cells import cell_text
from migration.models import MAX_UPLOAD_BYTES, MigrationUpload, UploadState
from migration.reading import LIMITS, MAX_PROBLEMS_KEPT
from migration.report import write_report
from migration.table import (
    FIELDS,
    HEADER_SEARCH_ROWS,
    KOPERASI_KINDS,
    REQUIRED,
    SKIPPED_SHEETS,
    find_header,
)
from registry.models import Koperasi

log = logging.getLogger(__name__)
ERRORS_SHOWN = 200  # problems kept on the row for the page; the report has every one


class UploadError(ValidationError):
    """An upload or mapping refused; the message says why, in Indonesian."""


def _sheets(data: bytes, filename: str) -> list[dict[str, Any]]:
    """Each sheet's kind, header row, labels and columns, from its first rows only."""
    found = []
    with open_workbook(data, filename=filename, limits=LIMITS) as book:
        for info in book.sheets:
            if info.name in SKIPPED_SHEETS:
                continue
            head: list[list[Any]] = []
            for row in book.rows(info.name):
                head.append(row)
                if len(head) >= HEADER_SEARCH_ROWS:
                    break
            header = find_header(head)
            if header is not None:
                labels = [cell_text(v) for v in header.labels]
                found.append(
                    {
                        "name": info.name,
                        "kind": header.kind,
                        "header_row": header.spreadsheet_row,
                        "labels": labels,
                        "columns": {f: labels[c] for f, c in header.columns.items()},
                    }
                )
                continue
            # Not recognised: offer the fullest of its first rows as the header to map.
            texts = [[cell_text(v) for v in row] for row in head]
            best = max(texts, key=lambda r: sum(1 for t in r if t), default=[])
            found.append(
                {
                    "name": info.name,
                    "kind": "unknown",
                    "header_row": None,
                    "labels": best,
                    "columns": {},
                }
            )
    return found


def upload_create(
    *, koperasi: Koperasi, file: IO[bytes], filename: str, size: int, actor: Any
) -> MigrationUpload:
    """Keep an uploaded file for the wizard, after the safe reader has checked it."""
    if size > MAX_UPLOAD_BYTES:
        raise UploadError(
            _("Berkas terlalu besar: paling besar %(m)s MB.") % {"m": MAX_UPLOAD_BYTES // 2**20}
        )
    data = file.read()
    sheets = _sheets(data, filename)  # raises SpreadsheetError for a file that cannot be read
    if not any(s["kind"] != "unknown" for s in sheets):
        raise SpreadsheetError(
            _(
                "Tidak ada lembar yang dikenali dalam berkas ini. Setiap lembar perlu baris judul "
                "kolom, misalnya “No. Anggota” dan “Nama”. Unduh templat untuk contohnya."
            ),
            code="nothing_recognised",
        )
    with transaction.atomic():
        upload = MigrationUpload.objects.create(
            koperasi=koperasi,
            filename=filename[:255],
            sha256=services.source_sha256(data),
            size=len(data),
            content=data,
            uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
            sheets=sheets,
            kinds={s["name"]: s["kind"] for s in sheets if s["kind"] != "unknown"},
            mappings={s["name"]: s["columns"] for s in sheets if s["kind"] != "unknown"},
        )
        audit.record(
            actor=actor,
            action="migration.upload",
            obj=upload,
            koperasi=koperasi,
            after={"filename": upload.filename, "sha256": upload.sha256, "size": upload.size},
        )
    return upload


def upload_map(
    *,
    upload: MigrationUpload,
    kinds: dict[str, str],
    mappings: dict[str, dict[str, str]],
    actor: Any,
    save_as: str = "",
) -> MigrationUpload:
    """The person's confirmed kinds and columns; checked, kept, and saved by name if asked."""
    if upload.is_active:
        raise UploadError(_("Berkas ini sedang diproses; tunggu sampai selesai."))
    if upload.state == UploadState.COMMITTED:
        raise UploadError(_("Berkas ini sudah diimpor. Unggah berkas baru untuk impor lagi."))
    names = {s["name"]: s for s in upload.sheets}
    problems = []
    for sheet, kind in kinds.items():
        if sheet not in names or kind not in KOPERASI_KINDS:
            raise UploadError(_("Lembar atau jenis lembar tidak dikenal."))
        chosen = mappings.get(sheet, {})
        for name, label in chosen.items():
            if name not in FIELDS[kind] or label not in names[sheet]["labels"]:
                raise UploadError(_("Kolom “%(c)s” tidak ada di lembar ini.") % {"c": label})
        missing = [name for name in REQUIRED[kind] if name not in chosen]
        if missing:
            problems.append(
                _("Lembar “%(s)s”: pilih kolom untuk %(f)s.")
                % {"s": sheet, "f": ", ".join(field_label(kind, n) for n in missing)}
            )
        if len(set(chosen.values())) != len(chosen):
            problems.append(_("Lembar “%(s)s”: satu kolom dipilih untuk dua isian.") % {"s": sheet})
    if not kinds:
        problems.append(_("Pilih jenis isi untuk paling sedikit satu lembar."))
    if problems:
        raise UploadError(problems)
    with transaction.atomic():
        upload.kinds = kinds
        upload.mappings = {s: m for s, m in mappings.items() if s in kinds}
        upload.save(update_fields=["kinds", "mappings"])
        if save_as.strip():
            services.mapping_save(
                koperasi=upload.koperasi,
                name=save_as,
                kinds=upload.kinds,
                mappings=upload.mappings,
                actor=actor,
            )
    return upload


def mapping_apply(*, upload: MigrationUpload, kinds: dict[str, str], mappings: Any) -> None:
    """A saved mapping onto this upload's sheets of the same names (kept only where each header
    it names is there)."""
    names = {s["name"]: s for s in upload.sheets}
    for sheet, kind in kinds.items():
        if sheet not in names or kind not in KOPERASI_KINDS:
            continue
        labels = names[sheet]["labels"]
        upload.kinds[sheet] = kind
        upload.mappings[sheet] = {
            f: h for f, h in (mappings.get(sheet) or {}).items() if h in labels
        }
    upload.save(update_fields=["kinds", "mappings"])


def field_label(kind: str, name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


FIELD_LABELS = {
    "number": gettext_lazy("Nomor anggota"),
    "name": gettext_lazy("Nama"),
    "nik": gettext_lazy("NIK"),
    "birth_date": gettext_lazy("Tanggal lahir"),
    "birth_place": gettext_lazy("Tempat lahir"),
    "gender": gettext_lazy("Jenis kelamin"),
    "address": gettext_lazy("Alamat"),
    "desa": gettext_lazy("Desa"),
    "phone": gettext_lazy("Nomor HP"),
    "joined_on": gettext_lazy("Tanggal masuk"),
    "pokok": gettext_lazy("Simpanan pokok"),
    "wajib": gettext_lazy("Simpanan wajib"),
    "sukarela": gettext_lazy("Simpanan sukarela"),
    "product": gettext_lazy("Jenis simpanan"),
    "account": gettext_lazy("Nomor rekening"),
    "balance": gettext_lazy("Saldo"),
    "loan_number": gettext_lazy("Nomor pinjaman"),
    "disbursed_on": gettext_lazy("Tanggal pencairan"),
    "principal": gettext_lazy("Plafon"),
    "tenor": gettext_lazy("Jangka waktu"),
    "rate": gettext_lazy("Bunga"),
    "method": gettext_lazy("Metode bunga"),
    "paid_instalments": gettext_lazy("Angsuran sudah dibayar"),
    "outstanding": gettext_lazy("Sisa pokok"),
    "arrears": gettext_lazy("Tunggakan pokok"),
    "arrears_interest": gettext_lazy("Tunggakan bunga"),
    "code": gettext_lazy("Kode akun"),
    "account_name": gettext_lazy("Nama akun"),
    "debit": gettext_lazy("Debet"),
    "credit": gettext_lazy("Kredit"),
    "date": gettext_lazy("Tanggal"),
    "amount": gettext_lazy("Jumlah"),
    "kind": gettext_lazy("Jenis transaksi"),
    "memo": gettext_lazy("Keterangan"),
    "wajib_arrears": gettext_lazy("Tunggakan simpanan wajib (rupiah)"),
    "wajib_arrears_months": gettext_lazy("Tunggakan simpanan wajib (bulan)"),
    "placement_number": gettext_lazy("Nomor bilyet"),
    "placed_on": gettext_lazy("Tanggal penempatan"),
    "term": gettext_lazy("Jangka waktu (bulan)"),
    "maturity_on": gettext_lazy("Tanggal jatuh tempo"),
    "at_maturity": gettext_lazy("Saat jatuh tempo"),
}


# --- the jobs ------------------------------------------------------------------------------


class ProgressWriter:
    """``progress(done, total, label)`` for the services, at most once a second.

    On PostgreSQL it is written to the upload's row from a thread with a connection of its
    own; a write that cannot be made now is dropped, the next one tries again. On SQLite the
    import holds the database's only write lock until it ends, so no row can be written: the
    progress goes to a small file in the data folder instead (:func:`progress_file`), which
    the page reads (:func:`live_progress`) without waiting for that lock."""

    def __init__(self, upload_id: int, every: float = 1.0) -> None:
        self.upload_id = upload_id
        self.every = every
        self.last = 0.0
        self.busy = threading.Lock()
        self.to_file = connection.vendor == "sqlite"

    def __call__(self, done: int, total: int, label: str) -> None:
        now = time.monotonic()
        if now - self.last < self.every or not self.busy.acquire(blocking=False):
            return
        self.last = now
        args = (min(done, total), total, label[:200])
        if self.to_file:
            try:
                _write_progress(self.upload_id, *args)
            finally:
                self.busy.release()
            return
        thread = threading.Thread(target=self._write, args=args, daemon=True)
        thread.start()

    def wait(self, seconds: float = 30.0) -> None:
        """Let a write under way finish (or give up on it) before the job writes its end."""
        if self.busy.acquire(timeout=seconds):
            self.busy.release()

    def _write(self, done: int, total: int, label: str) -> None:
        try:
            # Only while the job runs: a write that waited for a lock must not land on the
            # finished row.
            MigrationUpload.objects.filter(
                pk=self.upload_id, state__in=MigrationUpload.ACTIVE
            ).update(done=done, total=total, stage=label)
        except Exception:  # a progress bar is never worth failing an import for
            log.debug("progress not written", exc_info=True)
        finally:
            connections.close_all()
            self.busy.release()


def progress_file(upload_id: int) -> Path:
    """Where a running job on SQLite keeps its progress (see :class:`ProgressWriter`)."""
    return Path(settings.DATA_DIR) / "migration-progress" / f"{int(upload_id)}.json"


def _write_progress(upload_id: int, done: int, total: int, label: str) -> None:
    path = progress_file(upload_id)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".tmp")
        partial.write_text(
            json.dumps({"done": done, "total": total, "stage": label}), encoding="utf-8"
        )
        os.replace(partial, path)  # a reader sees the old figures or the new, never half
    except OSError:  # a progress bar is never worth failing an import for
        log.debug("progress not written", exc_info=True)


def _forget_progress(upload_id: int) -> None:
    progress_file(upload_id).unlink(missing_ok=True)


def live_progress(upload: MigrationUpload) -> MigrationUpload:
    """``upload`` with the progress its running job wrote to its file, when there is one (on
    SQLite the row is written only when the job starts and ends)."""
    if not upload.is_active:
        return upload
    try:
        found = json.loads(progress_file(upload.pk).read_text(encoding="utf-8"))
        done, total, stage = int(found["done"]), int(found["total"]), str(found["stage"])
    except (OSError, ValueError, KeyError, TypeError):
        return upload
    if 0 <= done <= total:
        upload.done, upload.total, upload.stage = done, total, stage[:200]
    return upload


def _summary(result: services.MigrationResult) -> dict[str, Any]:
    data = result.as_json()
    data["errors"] = data["errors"][:ERRORS_SHOWN]
    data.update(
        error_count=result.error_count,
        rows_rejected=result.rows_rejected,
        refused=result.refused,
        nothing_new=result.nothing_new,
        created=result.created,
        ledger=[
            {"code": x.code, "name": x.name, "debit": f"{x.debit:.2f}", "credit": f"{x.credit:.2f}"}
            for x in result.ledger
        ],
        figures=[
            {"name": f.name, "label": str(f.label), **f.as_json()} for f in result.reconciliation
        ],
    )
    return data


def start(upload: MigrationUpload, *, commit: bool) -> None:
    """Mark the upload as running its plan or commit (the job is then enqueued)."""
    with transaction.atomic():
        locked = MigrationUpload.objects.select_for_update().get(pk=upload.pk)
        if locked.is_active:
            raise UploadError(_("Berkas ini sedang diproses; tunggu sampai selesai."))
        if locked.state == UploadState.COMMITTED:
            raise UploadError(_("Berkas ini sudah diimpor."))
        if commit and locked.state != UploadState.PLANNED:
            raise UploadError(_("Periksa berkasnya dulu (rencana), baru impor."))
        locked.state = UploadState.COMMITTING if commit else UploadState.PLANNING
        locked.done, locked.total, locked.error = 0, 0, ""
        locked.stage = _("Menunggu giliran")
        locked.save(update_fields=["state", "done", "total", "error", "stage"])
    _forget_progress(upload.pk)
    upload.refresh_from_db()


def run(upload_id: int, *, commit: bool, actor: Any) -> MigrationUpload:
    """The plan or the commit of an upload (called by the job, or in the foreground)."""
    upload = MigrationUpload.objects.select_related("koperasi").get(pk=upload_id)
    data = bytes(upload.content)
    kinds = upload.kinds or None
    mappings = upload.mappings or None
    progress = ProgressWriter(upload.pk)
    try:
        if commit:
            result = services.commit(
                upload.koperasi, data, filename=upload.filename, actor=actor, kinds=kinds,
                mappings=mappings, accept_partial=upload.accept_partial, progress=progress,
            )  # fmt: skip
        else:
            result = services.plan(
                upload.koperasi, data, filename=upload.filename, actor=actor, kinds=kinds,
                mappings=mappings, accept_partial=upload.accept_partial, progress=progress,
            )  # fmt: skip
        report = write_report(data, upload.filename, result)
    except ValidationError as exc:
        progress.wait()
        return _finish(upload, UploadState.FAILED, error=" ".join(exc.messages))
    except Exception:
        progress.wait()
        log.exception("migration upload %s failed", upload_id)
        return _finish(
            upload,
            UploadState.FAILED,
            error=_("Terjadi kesalahan saat memproses berkas; tidak ada yang diimpor."),
        )
    progress.wait()
    if commit and result.committed:
        state = UploadState.COMMITTED
    else:
        state = UploadState.PLANNED
    return _finish(
        upload,
        state,
        error=result.refused if commit else "",
        result=_summary(result),
        report=report,
        batch=result.batch,
    )


def _finish(upload: MigrationUpload, state: str, **changes: Any) -> MigrationUpload:
    upload.state = state
    upload.error = changes.pop("error", "")
    for key, value in changes.items():
        setattr(upload, key, value)
    if state != UploadState.FAILED:
        upload.done = upload.total = max(upload.total, 1)
    else:
        upload.done = 0
    upload.stage = ""
    upload.finished_at = timezone.now()
    fields = ["state", "error", "done", "total", "stage", "finished_at", *changes]
    upload.save(update_fields=fields)
    _forget_progress(upload.pk)
    return upload


assert ERRORS_SHOWN <= MAX_PROBLEMS_KEPT
