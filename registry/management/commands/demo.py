"""``kopdig demo``: load the Manggarai Barat demo district (see ``registry/demo.py``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from core.dates import local_today
from core.db import empty_database
from registry import demo
from registry.models import Koperasi


class Command(BaseCommand):
    help = (
        "Muat distrik demo Kabupaten Manggarai Barat (145 koperasi, pengguna Dinas, konsultan "
        "dan staf). Tanpa jaringan, hasilnya selalu sama; menjalankan ulang tidak mengubah apa pun."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Kosongkan seluruh basis data demo lalu muat ulang dari awal.",
        )
        parser.add_argument(
            "--only",
            nargs="+",
            metavar="APP",
            help="Hanya langkah demo aplikasi ini (misalnya: --only registry); yang lain menyusul.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        only = options["only"]
        if only and (unknown := set(only) - set(demo.demo_apps())):
            raise CommandError(
                f"Tidak ada langkah demo untuk {', '.join(sorted(unknown))}; "
                f"yang ada: {', '.join(demo.demo_apps())}."
            )
        loaded = demo.is_loaded()
        if Koperasi.objects.exists() and not loaded:
            raise CommandError(
                "Basis data ini sudah berisi koperasi yang bukan bagian dari demo; demo tidak "
                "dimuat agar data itu tidak tercampur. Gunakan basis data kosong (misalnya "
                "KOPDIG_DATA_DIR=/tmp/kopdig-demo)."
            )
        if options["reset"] and loaded:
            empty_database()
            self.stdout.write("Basis data demo dikosongkan.")
        context = demo.Demo(today=local_today())
        with transaction.atomic():
            done = [line for step in demo.collect_steps(only) if (line := step(context))]
        if done:
            for line in done:
                self.stdout.write(f"- {line}")
            self.stdout.write(self.style.SUCCESS("Distrik demo Manggarai Barat dimuat."))
        else:
            self.stdout.write(
                "Distrik demo sudah dimuat; tidak ada yang berubah. "
                "(kopdig demo --reset memuat ulang dari awal.)"
            )
        self.stdout.write("")
        self.stdout.write(
            f"Admin Dinas: masuk di /masuk/ sebagai “dinas”, kata sandi “{demo.DEMO_PASSWORD}” "
            "(Pengguna: membuat akun pengurus dan konsultan)."
        )
        self.stdout.write(f"Masuk dengan salah satu pengguna ini; kata sandi: {demo.DEMO_PASSWORD}")
        width = max((len(user) for user, _ in context.logins), default=0)
        for user, role in context.logins:
            self.stdout.write(f"  {user.ljust(width)}  {role}")
