"""SQLite: the month totals (``ledger_accountperiodbalance``) refuse a write that is not the
posting trigger's, as PostgreSQL's ``ledger_apb_guard`` (0008) does with ``pg_trigger_depth()``.

SQLite cannot tell a trigger's write from a client's, so the posting trigger says which entry it
is adding: it puts the entry's id in the one row of ``ledger_apb_writer`` for the length of its
write and clears it after (the whole statement is one transaction: a failure rolls the mark back
too). A month total is then inserted or changed only

- while that mark names a posted entry (the mark itself refuses anything else), and
- by exactly that entry's postings on the account, in the entry's month (the row's account,
  month and koperasi never change).

A direct ``UPDATE``/``INSERT`` is refused with the same message as on PostgreSQL; to edit a total
one would have to set the mark by hand to a posted entry and could then only count that entry
once more, which ``ledger verify`` names (account and month), as it names any edit made with the
triggers dropped. Deletes stay refused (0008).

The SQL is written out here, not imported, so this migration keeps meaning what it meant.
"""

from django.db import migrations

MSG_RUNNING = "Mutasi bulanan akun hanya ditulis oleh database saat jurnal diposting."
MSG_WRITER = "Penanda penulis mutasi bulanan hanya diisi oleh database saat jurnal diposting."

WRITER = "(SELECT w.entry_id FROM ledger_apb_writer w WHERE w.id = 1)"
# What the marked entry adds to NEW's account (its postings' sum), and the first of its month.
ENTRY_SUM = (
    "(SELECT SUM(p.amount) FROM ledger_posting p "
    f"WHERE p.entry_id = {WRITER} AND p.account_id = NEW.account_id)"
)
ENTRY_MONTH = (
    "(SELECT date(e.value_date, 'start of month') FROM ledger_journalentry e "
    f"WHERE e.id = {WRITER})"
)

SQLITE_TABLE = [
    """CREATE TABLE ledger_apb_writer (
        id integer NOT NULL PRIMARY KEY CHECK (id = 1),
        entry_id integer NULL
    );""",
    "INSERT INTO ledger_apb_writer (id, entry_id) VALUES (1, NULL);",
]

SQLITE_TRIGGERS = [
    "ledger_apb_writer_set",
    "ledger_apb_writer_delete",
    "ledger_apb_insert",
    "ledger_apb_update",
]

SQLITE = [
    # 0008's trigger, marking the entry around its write.
    "DROP TRIGGER IF EXISTS ledger_entry_running;",
    """CREATE TRIGGER ledger_entry_running AFTER UPDATE OF status ON ledger_journalentry
        WHEN NEW.status = 'posted' AND OLD.status = 'draft' BEGIN
        UPDATE ledger_apb_writer SET entry_id = NEW.id WHERE id = 1;
        INSERT INTO ledger_accountperiodbalance (koperasi_id, account_id, month, amount)
        SELECT p.koperasi_id, p.account_id, date(NEW.value_date, 'start of month'), SUM(p.amount)
        FROM ledger_posting p WHERE p.entry_id = NEW.id
        GROUP BY p.koperasi_id, p.account_id
        ON CONFLICT (account_id, month) DO UPDATE SET amount = amount + excluded.amount;
        UPDATE ledger_apb_writer SET entry_id = NULL WHERE id = 1;
    END;""",
    # The mark names a posted entry or nothing; its one row stays.
    f"""CREATE TRIGGER ledger_apb_writer_set BEFORE UPDATE ON ledger_apb_writer
        WHEN NEW.id IS NOT 1 OR (NEW.entry_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM ledger_journalentry e
            WHERE e.id = NEW.entry_id AND e.status = 'posted'))
        BEGIN SELECT RAISE(ABORT, '{MSG_WRITER}'); END;""",
    f"""CREATE TRIGGER ledger_apb_writer_delete BEFORE DELETE ON ledger_apb_writer
        BEGIN SELECT RAISE(ABORT, '{MSG_WRITER}'); END;""",
    # A month total: only the marked entry's postings on the account, in its month. (An
    # upsert fires the insert trigger with the entry's sum, then the update trigger.)
    f"""CREATE TRIGGER ledger_apb_insert BEFORE INSERT ON ledger_accountperiodbalance
        WHEN {WRITER} IS NULL
          OR NEW.amount IS NOT {ENTRY_SUM}
          OR NEW.month IS NOT {ENTRY_MONTH}
        BEGIN SELECT RAISE(ABORT, '{MSG_RUNNING}'); END;""",
    f"""CREATE TRIGGER ledger_apb_update BEFORE UPDATE ON ledger_accountperiodbalance
        WHEN {WRITER} IS NULL
          OR NEW.id IS NOT OLD.id
          OR NEW.koperasi_id IS NOT OLD.koperasi_id
          OR NEW.account_id IS NOT OLD.account_id
          OR NEW.month IS NOT OLD.month
          OR NEW.month IS NOT {ENTRY_MONTH}
          OR NEW.amount - OLD.amount IS NOT {ENTRY_SUM}
        BEGIN SELECT RAISE(ABORT, '{MSG_RUNNING}'); END;""",
]

SQLITE_0008_RUNNING = """CREATE TRIGGER ledger_entry_running AFTER UPDATE OF status ON ledger_journalentry
        WHEN NEW.status = 'posted' AND OLD.status = 'draft' BEGIN
        INSERT INTO ledger_accountperiodbalance (koperasi_id, account_id, month, amount)
        SELECT p.koperasi_id, p.account_id, date(NEW.value_date, 'start of month'), SUM(p.amount)
        FROM ledger_posting p WHERE p.entry_id = NEW.id
        GROUP BY p.koperasi_id, p.account_id
        ON CONFLICT (account_id, month) DO UPDATE SET amount = amount + excluded.amount;
    END;"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return  # PostgreSQL: ledger_apb_guard (0008) already refuses them.
    for sql in SQLITE_TABLE + SQLITE:
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name in SQLITE_TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name};")
    schema_editor.execute("DROP TRIGGER IF EXISTS ledger_entry_running;")
    schema_editor.execute(SQLITE_0008_RUNNING)
    schema_editor.execute("DROP TABLE IF EXISTS ledger_apb_writer;")


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0009_money_ranges_rest"),
    ]

    operations = [migrations.RunPython(forward, backward)]
