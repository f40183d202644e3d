"""The migration's writes: plan (dry run), commit, revert, and the koperasi's saved mappings.

The wizard, the command (``kopdig migration import``) and the tests call these and nothing else.
"""

from __future__ import annotations

from typing import Any

from migration.models import MigrationBatch
from migration.services.importing import Progress, check_koperasi, run_import, source_sha256
from migration.services.mappings import MappingError, mapping_delete, mapping_parse, mapping_save
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
from migration.services.reverting import revert
from registry.models import Koperasi


def plan(
    koperasi: Koperasi,
    source: bytes,
    *,
    filename: str,
    mappings: dict[str, dict[str, str]] | None = None,
    kinds: dict[str, str] | None = None,
    accept_partial: bool = False,
    progress: Progress | None = None,
    actor: Any = None,
) -> MigrationResult:
    """What a commit of ``source`` would do, written nowhere: members, savings, loans and the
    books are left as they were (a ``MigrationBatch`` with ``dry_run=True`` keeps the plan).

    An unreadable file raises ``core.spreadsheet.SpreadsheetError``; a koperasi that cannot take
    a migration raises :class:`MigrationError`; everything wrong inside the file is in
    ``result.errors``."""
    return run_import(
        koperasi,
        source,
        filename=filename,
        actor=actor,
        dry_run=True,
        mappings=mappings,
        kinds=kinds,
        accept_partial=accept_partial,
        progress=progress,
    )


def commit(
    koperasi: Koperasi,
    source: bytes,
    *,
    filename: str,
    actor: Any,
    mappings: dict[str, dict[str, str]] | None = None,
    kinds: dict[str, str] | None = None,
    accept_partial: bool = False,
    progress: Progress | None = None,
) -> MigrationResult:
    """Import ``source`` into ``koperasi`` in one transaction; ``result.batch`` is the batch.

    Refused (``result.committed`` false, ``result.refused`` says why, nothing written) while any
    row is rejected, unless ``accept_partial``: then the valid rows come in and the rejected ones
    wait for the fixed file. Rows that came in with an earlier batch are not written again."""
    return run_import(
        koperasi,
        source,
        filename=filename,
        actor=actor,
        dry_run=False,
        mappings=mappings,
        kinds=kinds,
        accept_partial=accept_partial,
        progress=progress,
    )


__all__ = [
    "ALREADY",
    "IGNORED",
    "IMPORTED",
    "REJECTED",
    "Figure",
    "LedgerLine",
    "MappingError",
    "MigrationBatch",
    "MigrationError",
    "MigrationResult",
    "Progress",
    "SheetResult",
    "check_koperasi",
    "commit",
    "mapping_delete",
    "mapping_parse",
    "mapping_save",
    "plan",
    "revert",
    "source_sha256",
]
