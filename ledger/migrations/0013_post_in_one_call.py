"""PostgreSQL: one entry is locked for and written in one call each (two round trips, not six).

A single post used to send the chain-head lock, a second read of the period/numbering/key facts,
the INSERT of the entry and its postings, the statement that turns it posted, and the audit
row: five statements, each parsed and planned anew (Django binds parameters on the client). The two
functions below run the same statements server-side, where PL/pgSQL keeps their plans:

- ``ledger_lock_head`` locks the koperasi's chain head (creating it at the genesis hash the first
  time) and then, in a statement of its own (a VOLATILE function's statements each take a new
  snapshot, so what committed while it waited for the lock is seen), reads the end of the latest
  closed period, the year's last entry number and the entry already posted under the key.
- ``ledger_post_entry`` inserts the draft, its postings in line order, moves the chain head and
  the year's numbering, and turns the entry posted: the same statements as before, so the same
  triggers check them (0008: one statement-level check per statement), nothing bypassed; and,
  when asked, writes the entry's audit row as ``core.audit.record`` would (action
  ``ledger.post``, the entry's number, hash and kind after), in the same call.

The hash chain is still computed by the application between the two calls (ledger.chain).
SQLite keeps its path (one writer, no round trips). The SQL is written out here.
"""

from django.db import migrations

POSTGRES = [
    """CREATE OR REPLACE FUNCTION ledger_lock_head(
        p_koperasi bigint, p_year integer, p_key text, p_genesis text)
    RETURNS TABLE (last_index bigint, last_hash text, closed_through date, last_seq integer,
                   keyed_id bigint)
    LANGUAGE plpgsql VOLATILE AS $$
    DECLARE h_index bigint; h_hash text;
    BEGIN
        SELECT c.last_index, c.last_hash INTO h_index, h_hash
            FROM ledger_chainhead c WHERE c.koperasi_id = p_koperasi FOR UPDATE;
        IF NOT FOUND THEN
            INSERT INTO ledger_chainhead (koperasi_id, last_index, last_hash)
                VALUES (p_koperasi, 0, p_genesis) ON CONFLICT DO NOTHING;
            SELECT c.last_index, c.last_hash INTO h_index, h_hash
                FROM ledger_chainhead c WHERE c.koperasi_id = p_koperasi FOR UPDATE;
        END IF;
        RETURN QUERY SELECT h_index, h_hash::text,
            (SELECT MAX(p.end_date) FROM ledger_period p
              WHERE p.koperasi_id = p_koperasi AND p.status = 'closed'),
            (SELECT s.last_seq FROM ledger_entrysequence s
              WHERE s.koperasi_id = p_koperasi AND s.year = p_year),
            (SELECT e.id FROM ledger_journalentry e
              WHERE e.koperasi_id = p_koperasi AND e.idempotency_key = p_key);
    END; $$;""",
    """CREATE OR REPLACE FUNCTION ledger_post_entry(
        p_koperasi bigint, p_number text, p_year integer, p_seq integer, p_index bigint,
        p_value_date date, p_created_at timestamptz, p_kind text, p_memo text, p_source text,
        p_actor integer, p_key text, p_reverses bigint, p_prev_hash text, p_hash text,
        p_accounts bigint[], p_amounts bigint[], p_memos text[],
        p_years integer[], p_seqs integer[], p_audit_after jsonb)
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE AS $$
    DECLARE v_id bigint;
    BEGIN
        INSERT INTO ledger_journalentry (koperasi_id, number, year, seq, chain_index,
            value_date, created_at, kind, memo, source, actor_id, idempotency_key, reverses_id,
            status, prev_hash, hash)
        VALUES (p_koperasi, p_number, p_year, p_seq, p_index, p_value_date, p_created_at,
            p_kind, p_memo, p_source, p_actor, p_key, p_reverses, 'draft', p_prev_hash, p_hash)
        RETURNING id INTO v_id;
        INSERT INTO ledger_posting (koperasi_id, entry_id, account_id, amount, memo, value_date)
        SELECT p_koperasi, v_id, x.account_id, x.amount, x.memo, p_value_date
            FROM unnest(p_accounts, p_amounts, p_memos) WITH ORDINALITY
                 AS x(account_id, amount, memo, n)
            ORDER BY x.n;
        UPDATE ledger_chainhead SET last_index = p_index, last_hash = p_hash
            WHERE koperasi_id = p_koperasi;
        INSERT INTO ledger_entrysequence (koperasi_id, year, last_seq)
            SELECT p_koperasi, y.year, y.last_seq FROM unnest(p_years, p_seqs) AS y(year, last_seq)
            ON CONFLICT (koperasi_id, year) DO UPDATE SET last_seq = excluded.last_seq;
        UPDATE ledger_journalentry SET status = 'posted' WHERE id = v_id;
        IF p_audit_after IS NOT NULL THEN  -- core.audit.record(action="ledger.post", obj=entry)
            INSERT INTO core_auditevent (at, actor_id, koperasi_id, action, object_type,
                object_id, object_repr, before, after, note)
            VALUES (p_created_at, p_actor, p_koperasi, 'ledger.post', 'ledger.JournalEntry',
                v_id::text, p_number, NULL, p_audit_after, '');
        END IF;
        RETURN v_id;
    END; $$;""",
]

POSTGRES_REVERSE = [
    "DROP FUNCTION IF EXISTS ledger_post_entry(bigint, text, integer, integer, bigint, date, "
    "timestamptz, text, text, text, integer, text, bigint, text, text, bigint[], bigint[], "
    "text[], integer[], integer[], jsonb);",
    "DROP FUNCTION IF EXISTS ledger_lock_head(bigint, integer, text, text);",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES_REVERSE:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0012_merge_short_hash_and_selisih")]

    operations = [migrations.RunPython(forward, backward)]
