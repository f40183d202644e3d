"""``kopdig outbox send``: deliver the messages waiting in the outbox now, in the foreground
(the background worker does the same after every commit that enqueued one).
``kopdig outbox status``: how many messages wait, were sent or failed.

Exit status of ``send``: 0 nothing failed this run; 3 some were tried and failed (they wait
for a retry or were given up, see ``status``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count

from core import outbox
from core.models import OutboxMessage


class Command(BaseCommand):
    help = "Kotak keluar pesan anggota: kirim yang sudah waktunya (send) atau lihat status."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        send = sub.add_parser("send", help="Kirim pesan yang sudah waktunya.")
        send.add_argument("--limit", type=int, default=500, help="Paling banyak sekian pesan.")
        sub.add_parser("status", help="Jumlah pesan per status.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "status":
            counts = dict(
                OutboxMessage.objects.values_list("status").annotate(n=Count("pk")).order_by()
            )
            for status, label in OutboxMessage.Status.choices:
                self.stdout.write(f"{label}: {counts.get(status, 0)}")
            return
        report = outbox.deliver_due(limit=options["limit"])
        for line in report.errors:
            self.stderr.write(line)
        self.stdout.write(
            f"Terkirim {report.sent}, dicoba lagi nanti {report.retrying}, gagal {report.failed}."
        )
        if report.retrying or report.failed:
            raise CommandError("Ada pesan yang belum terkirim.", returncode=3)
