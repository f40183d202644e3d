"""The roles loans need, for koperasi whose chart was set up before loans existed.

New charts get them from ``ledger.chart`` (``chart_setup``). Here, for each koperasi that has
a chart: the account 4.1.05 (recovery of written-off loans) is added under 4.1 when its code is
free, and the roles ``bunga_pinjaman_diterima`` (1.1.05) and ``pendapatan_pemulihan_pinjaman``
(4.1.05) are mapped when the koperasi has not mapped them itself. Nothing is posted.
"""

from django.db import migrations

NEW_ACCOUNT = ("4.1.05", "Pemulihan Pinjaman yang Dihapusbukukan", "4.1")
NEW_ROLES = {"bunga_pinjaman_diterima": "1.1.05", "pendapatan_pemulihan_pinjaman": "4.1.05"}


def add_loan_roles(apps, schema_editor):
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
                klass="pendapatan",
                normal_side="kredit",
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
    dependencies = [("ledger", "0005_account_period_rules")]

    operations = [migrations.RunPython(add_loan_roles, migrations.RunPython.noop)]
