"""The suspense account a migration's reconciliation needs, for charts set up before it existed.

New charts get it from ``ledger.chart`` (``chart_setup``). Here, for each koperasi that has a
chart: the account 1.1.98 "Selisih Migrasi" is added under 1.1 when its code is free, and the
role ``selisih_migrasi`` is mapped to it when the koperasi has not mapped the role itself.
Nothing is posted.
"""

from django.db import migrations

NEW_ACCOUNT = ("1.1.98", "Selisih Migrasi", "1.1")
NEW_ROLES = {"selisih_migrasi": "1.1.98"}


def add_suspense_role(apps, schema_editor):
    Account = apps.get_model("ledger", "Account")
    RoleMapping = apps.get_model("ledger", "RoleMapping")
    koperasi_ids = Account.objects.values_list("koperasi_id", flat=True).distinct()
    for koperasi_id in koperasi_ids:
        accounts = {a.code: a for a in Account.objects.filter(koperasi_id=koperasi_id)}
        code, name, parent = NEW_ACCOUNT
        if code not in accounts and parent in accounts:
            accounts[code] = Account.objects.create(
                koperasi_id=koperasi_id,
                code=code,
                name=name,
                klass="aset",
                normal_side="debit",
                parent=accounts[parent],
                is_group=False,
            )
        mapped = set(
            RoleMapping.objects.filter(koperasi_id=koperasi_id).values_list("role", flat=True)
        )
        for role, account_code in NEW_ROLES.items():
            account = accounts.get(account_code)
            if role not in mapped and account is not None and not account.is_group:
                RoleMapping.objects.create(koperasi_id=koperasi_id, role=role, account=account)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0010_sqlite_month_totals_guard")]

    operations = [migrations.RunPython(add_suspense_role, migrations.RunPython.noop)]
