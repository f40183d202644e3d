"""``kopdig dashboard-refresh``: recompute every koperasi's figures row (nightly, or by hand)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from dashboard import services


class Command(BaseCommand):
    help = "Hitung ulang angka setiap koperasi untuk dasbor Dinas."

    def handle(self, *args: Any, **options: Any) -> None:
        n = services.figures_refresh_all()
        self.stdout.write(f"{n} koperasi diperbarui")
