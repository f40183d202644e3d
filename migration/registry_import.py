"""The Dinas's own registry spreadsheet brought into the registry (issue 11, item 1).

The file is read by the migration's reading machinery (table finding among title and total
rows, column names with their variants, cell normalisation, every row problem as data) as the
``registry`` kind. Each row then names a koperasi: found again by its short code, its nomor
badan hukum, its NIK koperasi or its name in its kecamatan, or new. Kecamatan and desa are
looked up by name among the kabupaten's regions, and a desa must lie in the row's kecamatan.

:func:`registry_import` runs every row through the registry's own services
(``koperasi_create``, ``koperasi_update``, ``digital_stage_set``), so the audit trail and the
dated status and stage history are kept as for a change made on the page. A dry run does the
same inside a transaction it rolls back, so what the preview says is exactly what a commit
does. By default a commit is refused, changing nothing, while any row is rejected.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from core.dates import local_today
from core.spreadsheet import Limits
from migration.reading import Problem, ReadBook, ReadSheet, Record, read_workbook
from registry import services as registry_services
from registry.models import Koperasi, Region

LIMITS = Limits(max_bytes=2 * 1024 * 1024, max_rows=20_000, max_columns=100, max_cells=500_000)
KIND = "registry"
# The registry fields a row may set, in the order the preview lists a change.
FIELDS = (
    "name",
    "legal_number",
    "legal_date",
    "nik_koperasi",
    "kind",
    "kecamatan",
    "desa",
    "address",
    "status",
    "founded_on",
    "last_rat_on",
)


def field_label(name: str) -> str:
    return {
        "code": _("Kode singkat"),
        "name": _("Nama"),
        "legal_number": _("Nomor badan hukum"),
        "legal_date": _("Tanggal badan hukum"),
        "nik_koperasi": _("NIK koperasi"),
        "kind": _("Jenis"),
        "kecamatan": _("Kecamatan"),
        "desa": _("Desa/kelurahan"),
        "address": _("Alamat"),
        "status": _("Status"),
        "founded_on": _("Tanggal berdiri"),
        "last_rat_on": _("RAT terakhir"),
        "stage": _("Tahap digital"),
    }.get(name, name)


@dataclass
class RowOutcome:
    """What one row does: ``create``, ``update``, ``same`` (nothing to change) or ``rejected``."""

    sheet: str
    row: int
    name: str
    action: str
    code: str = ""
    changes: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)


@dataclass
class RegistryImportResult:
    book: ReadBook
    rows: list[RowOutcome]
    dry_run: bool
    committed: bool

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def rejected(self) -> int:
        return self.count("rejected")

    @property
    def problems(self) -> list[Problem]:
        return self.book.problems


def read_registry(source: bytes | IO[bytes], *, filename: str) -> ReadBook:
    """The file read as registry sheets only; a file that cannot be read raises
    ``SpreadsheetError`` with its reason."""
    return read_workbook(
        source, filename=filename, candidates=[KIND], limits=LIMITS, today=local_today()
    )


def _key(text: str) -> str:
    value = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    value = re.sub(r"^(desa|kelurahan|kel|kecamatan|kec)\.?\s+", "", value.strip())
    return " ".join(re.sub(r"[^a-z0-9]+", " ", value).split())


class _Regions:
    def __init__(self) -> None:
        self.kecamatan: dict[str, Region] = {}
        self.desa: dict[str, list[Region]] = {}
        for region in Region.objects.all():
            if region.level == Region.Level.KECAMATAN:
                self.kecamatan[_key(region.name)] = region
            elif region.level in (Region.Level.DESA, Region.Level.KELURAHAN):
                self.desa.setdefault(_key(region.name), []).append(region)


class _Rows:
    """Problems of one row, added to the book as they are found."""

    def __init__(self, book: ReadBook, sheet: ReadSheet, record: Record, outcome: RowOutcome):
        self.book, self.sheet, self.record, self.outcome = book, sheet, record, outcome

    def reject(self, name: str, code: str, message: str) -> None:
        self.record.rejected = True
        self.outcome.action = "rejected"
        column = (
            self.sheet.column_name(name)
            if self.sheet.header and name in self.sheet.header.columns
            else ""
        )
        self.outcome.messages.append(f"{column}: {message}" if column else message)
        self.book.add(
            Problem(
                self.sheet.name,
                self.record.row,
                column,
                code,
                message,
                self.record.raw.get(name, ""),
            )
        )


def _find(values: dict[str, Any], regions: _Regions, existing: list[Koperasi]) -> Koperasi | None:
    by = (
        ("code", lambda k: k.code),
        ("legal_number", lambda k: k.legal_number),
        ("nik_koperasi", lambda k: k.nik_koperasi),
    )
    for name, get in by:
        wanted = values.get(name)
        if wanted:
            for koperasi in existing:
                if (get(koperasi) or "").strip().lower() == str(wanted).strip().lower():
                    return koperasi
    kecamatan = regions.kecamatan.get(_key(values.get("kecamatan") or ""))
    name = _key(values.get("name") or "")
    for koperasi in existing:
        if _key(koperasi.name) == name and koperasi.kecamatan_id == getattr(kecamatan, "pk", None):
            return koperasi
    return None


def _unique_code(values: dict[str, Any], taken: set[str]) -> str:
    base = slugify(values.get("code") or values["name"])
    if len(base) > 20:  # cut at a word: "koperasi-nelayan", not "koperasi-nelayan-pon"
        cut = base[:21].rsplit("-", 1)[0]
        base = cut if len(cut) >= 3 else base[:20]
    base = base.strip("-") or "koperasi"
    code, n = base, 2
    while code in taken:
        suffix = f"-{n}"
        code, n = base[: 20 - len(suffix)].strip("-") + suffix, n + 1
    taken.add(code)
    return code


def _resolve(row: _Rows, values: dict[str, Any], regions: _Regions) -> dict[str, Any]:
    """The row's fields as the registry services take them; region names become regions."""
    fields = {name: values[name] for name in FIELDS if values.get(name) is not None}
    kecamatan = regions.kecamatan.get(_key(values.get("kecamatan") or ""))
    if kecamatan is None:
        if not values.get("kecamatan"):
            return fields  # the reading said it is required
        row.reject(
            "kecamatan",
            "kecamatan_unknown",
            _("Kecamatan “%(k)s” tidak ada di kabupaten ini.") % {"k": values.get("kecamatan")},
        )
        return fields
    fields["kecamatan"] = kecamatan
    if values.get("desa"):
        found = regions.desa.get(_key(values["desa"]), [])
        inside = [d for d in found if d.parent_id == kecamatan.pk]
        if inside:
            fields["desa"] = inside[0]
        elif found:
            row.reject(
                "desa",
                "desa_outside",
                _("Desa %(d)s tidak berada di Kecamatan %(k)s, tetapi di Kecamatan %(o)s.")
                % {
                    "d": values["desa"],
                    "k": kecamatan.name,
                    "o": ", ".join(sorted({str(d.parent) for d in found})),
                },
            )
        else:
            row.reject(
                "desa",
                "desa_unknown",
                _("Desa/kelurahan “%(d)s” tidak ada di kabupaten ini.") % {"d": values["desa"]},
            )
    for name in ("legal_date", "founded_on", "last_rat_on"):
        day = fields.get(name)
        if isinstance(day, dt.date) and day > local_today():
            row.reject(name, "date_future", _("Tanggal tidak boleh di masa depan."))
    return fields


def _changes(koperasi: Koperasi, fields: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name, value in fields.items():
        current = getattr(koperasi, name)
        if name in ("kecamatan", "desa"):
            if getattr(current, "pk", None) != value.pk:
                out[name] = value
        elif (current or "") != (value or ""):
            out[name] = value
    return out


def registry_import(
    source: bytes | IO[bytes],
    *,
    filename: str,
    actor: Any,
    dry_run: bool,
    accept_partial: bool = False,
) -> RegistryImportResult:
    """Read the Dinas's registry file and create or update its koperasi (see the module)."""
    book = read_registry(source, filename=filename)
    return registry_apply(book, actor=actor, dry_run=dry_run, accept_partial=accept_partial)


def registry_apply(
    book: ReadBook, *, actor: Any, dry_run: bool, accept_partial: bool = False
) -> RegistryImportResult:
    regions = _Regions()
    rows: list[RowOutcome] = []
    read_notes: dict[tuple[str, int], list[str]] = {}
    for p in book.all_problems():
        if p.row is not None:
            read_notes.setdefault((p.sheet, p.row), []).append(
                f"{p.column}: {p.message}" if p.column else p.message
            )
    with transaction.atomic():
        existing = list(Koperasi.objects.select_related("kecamatan", "desa"))
        taken = {k.code for k in existing}
        seen: dict[int, int] = {}  # koperasi id → the row that named it first
        for sheet in book.of_kind(KIND):
            for record in sheet.records:
                rows.append(
                    _apply_row(
                        book, sheet, record, actor, regions, existing, taken, seen, read_notes
                    )
                )
        rejected = any(r.action == "rejected" for r in rows)
        committed = not dry_run and (accept_partial or not rejected)
        if not committed:
            transaction.set_rollback(True)
    if not committed:
        for outcome in rows:  # nothing was created: codes drawn for new rows were not kept
            if outcome.action == "create" and not dry_run:
                outcome.code = ""
    return RegistryImportResult(book, rows, dry_run, committed)


def _apply_row(
    book: ReadBook,
    sheet: ReadSheet,
    record: Record,
    actor: Any,
    regions: _Regions,
    existing: list[Koperasi],
    taken: set[str],
    seen: dict[int, int],
    read_notes: dict[tuple[str, int], list[str]],
) -> RowOutcome:
    values = record.values
    outcome = RowOutcome(sheet.name, record.row, values.get("name") or "", "same")
    row = _Rows(book, sheet, record, outcome)
    if record.rejected:  # by the reading: its problems first, then the registry's own
        outcome.action = "rejected"
        outcome.messages = list(read_notes.get((sheet.name, record.row), []))
    fields = _resolve(row, values, regions)
    koperasi = _find(values, regions, existing)
    if koperasi is not None:
        if koperasi.pk in seen:
            row.reject(
                "name",
                "duplicate_koperasi",
                _("Koperasi ini sudah disebut di baris %(r)s.") % {"r": seen[koperasi.pk]},
            )
        else:
            seen[koperasi.pk] = record.row
        outcome.code = koperasi.code
    if outcome.action == "rejected":
        return outcome
    stage = values.get("stage")
    try:
        with transaction.atomic():
            if koperasi is None:
                outcome.action = "create"
                code = _unique_code(values, taken)
                created = registry_services.koperasi_create(
                    actor=actor,
                    code=code,
                    stage=stage or Koperasi.Stage.BELUM_DIGITAL,
                    stage_since=local_today(),
                    **fields,
                )
                outcome.code = created.code
                existing.append(created)
                seen[created.pk] = record.row
            else:
                changes = _changes(koperasi, fields)
                if changes:
                    outcome.action = "update"
                    outcome.changes = [field_label(n) for n in changes]
                    updated = registry_services.koperasi_update(
                        actor=actor, koperasi=koperasi, **changes
                    )
                    existing[existing.index(koperasi)] = updated
                if stage and stage != koperasi.digital_stage:
                    outcome.action = "update"
                    outcome.changes.append(field_label("stage"))
                    registry_services.digital_stage_set(
                        actor=actor,
                        koperasi=koperasi,
                        stage=stage,
                        on=local_today(),
                        note=_("Impor daftar koperasi"),
                    )
    except ValidationError as exc:
        outcome.changes = []
        row.reject("name", "registry_refused", " ".join(exc.messages))
    return outcome


def summary_counts(rows: Iterable[RowOutcome]) -> dict[str, int]:
    counts = {"create": 0, "update": 0, "same": 0, "rejected": 0}
    for row in rows:
        counts[row.action] += 1
    return counts
