import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    """name_search becomes a column the database computes (lower(full_name)).

    A generated column cannot be altered in place, so it is dropped and added again, with its
    index.
    """

    dependencies = [
        ("members", "0001_initial"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="member", name="member_name_prefix"),
        migrations.RemoveField(model_name="member", name="name_search"),
        migrations.AddField(
            model_name="member",
            name="name_search",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.functions.text.Lower("full_name"),
                output_field=models.CharField(max_length=150),
            ),
        ),
        migrations.AddIndex(
            model_name="member",
            index=models.Index(
                fields=["koperasi", "name_search"],
                name="member_name_prefix",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
        ),
    ]
