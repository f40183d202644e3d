"""ledger: the double-entry books of every koperasi, held by the database, tamper-evident.

What it owns: the chart of accounts (``Account``) and the role mapping (``RoleMapping``: the
only way code finds an account, e.g. ``account_for_role(koperasi=k, role="kas")``), journal
entries and their postings, monthly periods with stored closing balances, and the hash chain.
Other apps write through :mod:`ledger.services` (``post``, ``post_many``, ``reverse``) and read
through :mod:`ledger.selectors`.

The ideas a newcomer needs:

- **Balanced before it counts.** An entry is inserted as ``draft``, its postings are inserted
  (signed integer sen, debit > 0, credit < 0), then one UPDATE turns it ``posted``. Triggers on
  SQLite and PostgreSQL (migration 0002) refuse that change unless the postings sum to zero,
  there are at least two, and no closed period covers the value date; they refuse any later
  change or delete of a posted entry or its postings, a posting into another koperasi's
  account, and a posting that disagrees with its entry. A CHECK refuses a zero amount. Python
  checks the same things first only to give the kasir a message in Indonesian. Balances and
  reports count posted entries only.
- **Numbers and the chain.** Per koperasi, one ``ChainHead`` row is locked (``SELECT … FOR
  UPDATE`` on PostgreSQL; SQLite has one writer, BEGIN IMMEDIATE) while an entry gets its
  gap-free number per year (``JU/2026/000123``, counted in ``EntrySequence``), its
  ``chain_index`` and its hash: SHA-256 of the previous hash and the entry's content and
  postings (:mod:`ledger.chain`). ``kopdig ledger verify --koperasi CODE`` recomputes the chain
  (:mod:`ledger.integrity`) and names the first entry that no longer matches.
- **Balances without history.** Months close in order (``period_close``), storing each account's
  cumulative closing balance (``PeriodBalance``). A balance as of any date is the latest closed
  month at or before it plus the posted postings after that month's end, read through the index
  ``(account, value_date)``: the cost depends on the open stretch, not on the years behind it.
  Reopening the latest closed month takes a second person and leaves an audit record.
- **Idempotency.** ``post(idempotency_key=...)``: a repeat (double tap, retry) returns the first
  entry and posts nothing; the key is unique per koperasi in the database.
- **Speed.** ``post`` and ``post_many`` share one writer that inserts with ``executemany`` (no
  model instances) and flips the whole batch to posted in one UPDATE, so a batch costs little
  more than the raw inserts. Every index costs every insert (twice, on SQLite, when the table
  has triggers), so the journal keeps few: the idempotency key and the reversal link have
  *partial* unique indexes that entries without them never touch. ``python -m bench ledger``
  prints the figures.
- **Audit.** Each write service leaves a ``core.audit`` record (``post_many`` one per batch);
  the entry itself also carries its actor, timestamp and source, append-only and chained.
- **Sub-ledgers.** Members' savings (and next loans) keep each member's balance on their own
  rows, summed by a control account here. They register in :mod:`ledger.subledgers` (from
  their ``AppConfig.ready()``, so the ledger imports none of them): their entries (``savings.*``)
  are undone only by their own void, never by :func:`ledger.services.reverse`; the manual
  journal refuses their control accounts; ``kopdig ledger verify`` and the neraca saldo page
  reconcile each control account with its sub-ledger to the sen.
- **Outside check.** ``kopdig ledger export-beancount`` writes the books for beancount, whose own
  checker the tests run on the export.
"""
