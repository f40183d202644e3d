from django.db import migrations

from core.db import append_only_operation


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [
        append_only_operation(
            "core_auditevent", "Jejak audit tidak dapat diubah atau dihapus."
        ),
    ]
