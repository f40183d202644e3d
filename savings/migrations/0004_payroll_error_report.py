from django.db import migrations, models


def count_errors(apps, schema_editor):
    PayrollBatch = apps.get_model("savings", "PayrollBatch")
    for batch in PayrollBatch.objects.exclude(errors=[]).only("pk", "errors"):
        PayrollBatch.objects.filter(pk=batch.pk).update(error_count=len(batch.errors))


class Migration(migrations.Migration):
    dependencies = [("savings", "0003_rate_help_text_without_percent_sign")]

    operations = [
        migrations.AddField(
            model_name="payrollbatch",
            name="error_count",
            field=models.PositiveIntegerField(default=0, verbose_name="kesalahan"),
        ),
        migrations.AddField(
            model_name="payrollbatch",
            name="error_report",
            field=models.BinaryField(editable=False, null=True),
        ),
        migrations.RunPython(count_errors, migrations.RunPython.noop),
    ]
