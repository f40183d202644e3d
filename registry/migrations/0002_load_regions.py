from django.db import migrations


def load(apps, schema_editor):
    from registry.regions import load_regions

    load_regions(apps.get_model("registry", "Region"))


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
