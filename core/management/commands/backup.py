"""``kopdig backup [-o FILE]``: an online backup of the embedded SQLite database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from core import backup
from core.dates import local_now


class Command(BaseCommand):
    help = (
        "Cadangkan basis data SQLite bawaan ke satu file, aman selagi Kopdig berjalan. "
        "Tanpa -o, file disimpan di folder data/cadangan/."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-o", "--output", help="File cadangan yang dibuat (belum ada).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            source = backup.database_file(connection.settings_dict)
            target = Path(
                options["output"]
                or Path(settings.DATA_DIR)
                / "cadangan"
                / f"kopdig-{local_now():%Y%m%d-%H%M%S}.sqlite3"
            )
            info = backup.backup(source, target)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        counted = f", {info.koperasi} koperasi" if info.koperasi is not None else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"Cadangan tersimpan: {info.path} ({info.size / 1_000_000:.1f} MB{counted})."
            )
        )
        self.stdout.write(f"Pulihkan dengan: kopdig restore {info.path} --yes")
