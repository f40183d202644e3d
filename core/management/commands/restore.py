"""``kopdig restore FILE --yes``: put a backup back into the embedded SQLite database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor

from core import backup
from core.dates import local_now


class Command(BaseCommand):
    help = (
        "Pulihkan basis data SQLite bawaan dari file cadangan (kopdig backup). Seluruh isi "
        "basis data diganti; isi yang lama dicadangkan dulu ke data/cadangan/."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="File cadangan yang dipulihkan.")
        parser.add_argument(
            "--yes", action="store_true", help="Ya, ganti seluruh isi basis data dengan cadangan."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["file"])
        try:
            target = backup.database_file(connection.settings_dict)
            backup.check_backup_file(source)
            if not options["yes"]:
                raise CommandError(
                    f"Pemulihan mengganti SELURUH isi basis data {target} dengan isi {source}. "
                    "Jalankan lagi dengan --yes bila memang itu yang dimaksud."
                )
            connections.close_all()
            if target.exists():
                stamp = f"{local_now():%Y%m%d-%H%M%S}"
                kept = Path(settings.DATA_DIR) / "cadangan" / f"sebelum-pulih-{stamp}.sqlite3"
                backup.backup(target, kept)
                self.stdout.write(f"Isi lama dicadangkan ke {kept}.")
            info = backup.restore(source, target)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        counted = f" ({info.koperasi} koperasi)" if info.koperasi is not None else ""
        self.stdout.write(
            self.style.SUCCESS(f"Basis data {target} dipulihkan dari {source}{counted}.")
        )
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            self.stdout.write(
                self.style.WARNING(
                    "Cadangan ini dari versi Kopdig yang lebih lama: jalankan kopdig migrate."
                )
            )
