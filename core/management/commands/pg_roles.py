"""``kopdig pg_roles [--owner kopdig_owner] [--app kopdig_app] [--sql]``.

Run once per database, connected (``DATABASE_URL``) as a PostgreSQL superuser: creates the
owner role (it runs ``kopdig migrate``) and the application role (it serves requests: rows
only), see :mod:`core.pgroles`. Passwords come from ``KOPDIG_OWNER_PASSWORD`` and
``KOPDIG_APP_PASSWORD`` when set (never from the command line, which other users can read).
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils.translation import gettext as _

from core.pgroles import RoleNameError, role_sql


class Command(BaseCommand):
    help = (
        "PostgreSQL: buat peran pemilik (menjalankan migrasi) dan peran aplikasi "
        "(hanya baca dan tulis baris)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--owner", default="kopdig_owner", help="peran pemilik tabel")
        parser.add_argument("--app", default="kopdig_app", help="peran aplikasi")
        parser.add_argument("--schema", default="public", help="skema basis data")
        parser.add_argument(
            "--sql", action="store_true", help="hanya tampilkan SQL-nya, tanpa menjalankan"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(_("Perintah ini hanya untuk PostgreSQL (atur DATABASE_URL)."))
        owner_password = os.environ.get("KOPDIG_OWNER_PASSWORD")
        app_password = os.environ.get("KOPDIG_APP_PASSWORD")
        try:
            statements = role_sql(
                database=str(connection.settings_dict["NAME"]),
                owner=options["owner"],
                app=options["app"],
                schema=options["schema"],
                owner_password=owner_password,
                app_password=app_password,
            )
        except RoleNameError as error:
            raise CommandError(
                _(
                    "Nama peran atau skema %(nama)s tidak sah: huruf kecil, angka dan garis "
                    "bawah, paling banyak 63 karakter, dan pemilik berbeda dari aplikasi."
                )
                % {"nama": error}
            ) from None
        if options["sql"]:
            shown = role_sql(
                database=str(connection.settings_dict["NAME"]),
                owner=options["owner"],
                app=options["app"],
                schema=options["schema"],
                owner_password=None if owner_password is None else "***",
                app_password=None if app_password is None else "***",
            )
            self.stdout.write(";\n\n".join(shown) + ";")
            return
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        self.stdout.write(
            _(
                "Peran %(pemilik)s (pemilik, untuk migrasi) dan %(aplikasi)s (aplikasi) siap di "
                "basis data %(db)s."
            )
            % {
                "pemilik": options["owner"],
                "aplikasi": options["app"],
                "db": connection.settings_dict["NAME"],
            }
        )
