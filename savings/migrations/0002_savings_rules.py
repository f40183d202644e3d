from django.db import migrations

from core.db import append_only_operation


class Migration(migrations.Migration):
    """Savings movements are append-only: a correction is a new movement, never an edit."""

    dependencies = [("savings", "0001_initial")]
    operations = [
        append_only_operation(
            "savings_transaction",
            "Transaksi simpanan tidak dapat diubah atau dihapus; buat transaksi koreksi.",
        ),
    ]
