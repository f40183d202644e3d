"""Backup and restore of the embedded SQLite database, safe while Kopdig runs.

Both directions use SQLite's online backup API (``sqlite3.Connection.backup``), never a file
copy: a copy of a live database in WAL mode can catch it half-written, while the backup API
reads one consistent snapshot (readers do not wait for writers in WAL mode) and writes the
destination under its lock. A backup is written beside its final name and renamed only when
complete and checked, so a file with the final name is always a whole backup.

PostgreSQL has its own tools (``pg_dump``/``pg_restore``); the commands say so.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

SQLITE_HEADER = b"SQLite format 3\x00"


class BackupError(Exception):
    """Why a backup or restore cannot be done, in words for the person running it."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    size: int
    koperasi: int | None


def database_file(settings_dict: dict[str, Any]) -> Path:
    """The embedded database's file, or why there is none to back up."""
    engine = settings_dict["ENGINE"]
    if "sqlite3" not in engine:
        raise BackupError(
            _(
                "kopdig backup dan restore hanya untuk basis data SQLite bawaan. Basis data ini "
                "%(engine)s: gunakan alatnya sendiri, misalnya pg_dump -Fc -f kopdig.dump "
                "%(name)s untuk mencadangkan dan pg_restore untuk memulihkan."
            )
            % {
                "engine": "PostgreSQL" if "postgresql" in engine else engine,
                "name": settings_dict.get("NAME") or "NAMA_DB",
            }
        )
    name = str(settings_dict["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        raise BackupError(_("Basis data di memori tidak dapat dicadangkan."))
    return Path(name)


def _connect_readonly(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=20)


def _count_koperasi(connection: sqlite3.Connection) -> int | None:
    try:
        return int(connection.execute("SELECT count(*) FROM registry_koperasi").fetchone()[0])
    except sqlite3.DatabaseError:
        return None


def check_backup_file(path: Path) -> None:
    """Refuse anything that is not a whole, sound Kopdig database."""
    if not path.is_file():
        raise BackupError(_("File cadangan %(path)s tidak ada.") % {"path": path})
    with path.open("rb") as fh:
        if fh.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupError(
                _("%(path)s bukan file basis data SQLite (bukan cadangan Kopdig).") % {"path": path}
            )
    source = _connect_readonly(path)
    try:
        result = source.execute("PRAGMA quick_check").fetchone()[0]
        if result != "ok":
            raise BackupError(
                _("File cadangan %(path)s rusak: %(why)s") % {"path": path, "why": result}
            )
        tables = {row[0] for row in source.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        raise BackupError(
            _("File cadangan %(path)s tidak dapat dibaca: %(why)s") % {"path": path, "why": exc}
        ) from exc
    finally:
        source.close()
    if "django_migrations" not in tables or "registry_koperasi" not in tables:
        raise BackupError(
            _("%(path)s adalah basis data SQLite, tetapi bukan basis data Kopdig.") % {"path": path}
        )


def backup(source: Path, target: Path) -> BackupInfo:
    """Copy the live database ``source`` into a new file ``target`` as one consistent snapshot."""
    if not source.is_file():
        raise BackupError(_("Basis data %(path)s belum ada.") % {"path": source})
    if target.exists():
        raise BackupError(
            _("File %(path)s sudah ada; pilih nama lain agar cadangan lama tidak tertimpa.")
            % {"path": target}
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.sebagian")
    partial.unlink(missing_ok=True)
    live = _connect_readonly(source)
    try:
        copy = sqlite3.connect(partial)
        try:
            live.backup(copy)  # all pages in one step: one snapshot, whatever others write
            copy.execute("PRAGMA journal_mode=DELETE")  # the backup is one self-contained file
            result = copy.execute("PRAGMA quick_check").fetchone()[0]
            if result != "ok":
                raise BackupError(_("Cadangan tidak lolos pemeriksaan: %(why)s") % {"why": result})
            koperasi = _count_koperasi(copy)
        finally:
            copy.close()
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        live.close()
    os.replace(partial, target)
    return BackupInfo(path=target, size=target.stat().st_size, koperasi=koperasi)


def restore(source: Path, target: Path) -> BackupInfo:
    """Replace the whole content of the database ``target`` with the backup ``source``.

    Connections to ``target`` wait (busy timeout) while the pages are written, and see the
    restored database when they next read.
    """
    check_backup_file(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    backup_file = _connect_readonly(source)
    try:
        live = sqlite3.connect(target, timeout=20)
        try:
            backup_file.backup(live)
            live.execute("PRAGMA journal_mode=WAL")  # Kopdig's own mode (see settings)
            koperasi = _count_koperasi(live)
        finally:
            live.close()
    finally:
        backup_file.close()
    return BackupInfo(path=target, size=target.stat().st_size, koperasi=koperasi)
