"""``kopdig backup`` and ``kopdig restore``: a whole, consistent copy taken while Kopdig runs,
and every record back after a restore."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from core import backup

Rows = dict[str, list[tuple[Any, ...]]]


def kopdig(
    data_dir: Path, *args: str, database_url: str | None = None
) -> subprocess.CompletedProcess:
    """Run the ``kopdig`` console as a person would, on the embedded database in ``data_dir``."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["KOPDIG_DATA_DIR"] = str(data_dir)
    if database_url:
        env["DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "kopdig.cli", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def every_row(path: Path) -> Rows:
    db = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: sorted(db.execute(f'SELECT * FROM "{t}"'), key=repr) for t in tables}
    finally:
        db.close()


def schema(path: Path) -> set[tuple[str, str]]:
    db = sqlite3.connect(path)
    try:
        return set(
            db.execute("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
        )
    finally:
        db.close()


def test_backup_while_kopdig_writes_then_restore_finds_every_record(tmp_path: Path) -> None:
    live_dir, fresh_dir = tmp_path / "live", tmp_path / "fresh"
    assert kopdig(live_dir, "migrate", "-v", "0").returncode == 0
    assert kopdig(live_dir, "demo", "--only", "registry").returncode == 0
    live = live_dir / "kopdig.sqlite3"
    before = every_row(live)
    assert len(before["registry_koperasi"]) == 145
    assert len(before["core_auditevent"]) > 145

    # Kopdig is in the middle of a write when the backup starts.
    writer = sqlite3.connect(live, timeout=20)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO registry_annualtarget (year, new_digital) VALUES (2099, 99)")
    made = kopdig(live_dir, "backup", "-o", str(tmp_path / "cadangan.sqlite3"))
    writer.commit()
    writer.close()
    assert made.returncode == 0, made.stderr
    assert "145 koperasi" in made.stdout

    refused = kopdig(fresh_dir, "restore", str(tmp_path / "cadangan.sqlite3"))
    assert refused.returncode != 0
    assert "Jalankan lagi dengan --yes" in refused.stderr
    assert not (fresh_dir / "kopdig.sqlite3").exists() or not every_row(
        fresh_dir / "kopdig.sqlite3"
    )

    restored = kopdig(fresh_dir, "restore", str(tmp_path / "cadangan.sqlite3"), "--yes")
    assert restored.returncode == 0, restored.stderr
    assert "dipulihkan" in restored.stdout and "145 koperasi" in restored.stdout
    assert "kopdig migrate" not in restored.stdout  # same version: nothing to migrate
    fresh = fresh_dir / "kopdig.sqlite3"
    assert every_row(fresh) == before  # every record, and not the write still in progress
    assert schema(fresh) == schema(live)  # tables, indexes and the append-only triggers

    db = sqlite3.connect(fresh)
    with pytest.raises(sqlite3.DatabaseError, match="Jejak audit tidak dapat diubah"):
        db.execute("DELETE FROM core_auditevent")
    db.close()


def test_restore_over_a_database_keeps_the_old_content_aside(tmp_path: Path) -> None:
    source, target = tmp_path / "a.sqlite3", tmp_path / "live.sqlite3"
    make_kopdig_like(source, koperasi=["KSP Sinar Harapan Bajo"])
    make_kopdig_like(target, koperasi=["KSP Lama"])
    aside = tmp_path / "lama.sqlite3"
    backup.backup(target, aside)
    info = backup.restore(source, target)
    assert info.koperasi == 1
    assert every_row(target)["registry_koperasi"] == [(1, "KSP Sinar Harapan Bajo")]
    assert every_row(aside)["registry_koperasi"] == [(1, "KSP Lama")]


def make_kopdig_like(path: Path, *, koperasi: list[str]) -> None:
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE django_migrations (id INTEGER PRIMARY KEY, app TEXT, name TEXT)")
    db.execute("CREATE TABLE registry_koperasi (id INTEGER PRIMARY KEY, name TEXT)")
    db.executemany("INSERT INTO registry_koperasi (name) VALUES (?)", [(k,) for k in koperasi])
    db.commit()
    db.close()


def test_a_backup_never_overwrites_and_never_leaves_half_a_file(tmp_path: Path) -> None:
    live, target = tmp_path / "live.sqlite3", tmp_path / "b.sqlite3"
    make_kopdig_like(live, koperasi=["A", "B"])
    assert backup.backup(live, target).koperasi == 2
    with pytest.raises(backup.BackupError, match="sudah ada"):
        backup.backup(live, target)
    with pytest.raises(backup.BackupError, match="belum ada"):
        backup.backup(tmp_path / "tidak-ada.sqlite3", tmp_path / "c.sqlite3")
    assert sorted(p.name for p in tmp_path.iterdir() if "sebagian" in p.name) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "tidak ada"),
        (b"nama,nik\nAni,5315\n", "bukan file basis data SQLite"),
        (b"SQLite format 3\x00" + b"\x00" * 200, "tidak dapat dibaca"),
    ],
)
def test_restore_refuses_what_is_not_a_kopdig_backup(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    bad = tmp_path / "cadangan.sqlite3"
    if content is not None:
        bad.write_bytes(content)
    target = tmp_path / "live.sqlite3"
    make_kopdig_like(target, koperasi=["KSP Tetap"])
    with pytest.raises(backup.BackupError, match=message):
        backup.restore(bad, target)
    assert every_row(target)["registry_koperasi"] == [(1, "KSP Tetap")]


def test_restore_refuses_a_database_that_is_not_kopdigs(tmp_path: Path) -> None:
    other = tmp_path / "lain.sqlite3"
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE anggota (nama TEXT)")
    db.commit()
    db.close()
    with pytest.raises(backup.BackupError, match="bukan basis data Kopdig"):
        backup.check_backup_file(other)


def test_postgresql_and_memory_databases_are_refused_with_a_pointer() -> None:
    postgres = {"ENGINE": "django.db.backends.postgresql", "NAME": "kopdig"}
    with pytest.raises(backup.BackupError, match="pg_dump -Fc -f kopdig.dump kopdig"):
        backup.database_file(postgres)
    with pytest.raises(backup.BackupError, match="di memori"):
        backup.database_file({"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"})
    assert backup.database_file(
        {"ENGINE": "django.db.backends.sqlite3", "NAME": "/srv/kopdig/kopdig.sqlite3"}
    ) == Path("/srv/kopdig/kopdig.sqlite3")


def test_the_commands_say_what_to_use_on_postgresql(tmp_path: Path) -> None:
    result = kopdig(tmp_path, "backup", database_url="postgres://kopdig@127.0.0.1:1/kopdig")
    assert result.returncode != 0
    assert "pg_dump" in result.stderr
    result = kopdig(
        tmp_path, "restore", "x.sqlite3", "--yes", database_url="postgres://k@127.0.0.1:1/k"
    )
    assert result.returncode != 0
    assert "pg_restore" in result.stderr
