"""core: what every other app stands on.

- ``core.money``: the only door for amounts (Decimal from str/int/Decimal; a float raises),
  rounding in one named function, largest-remainder allocation, Rupiah text and *terbilang*.
- ``core.fields.MoneyField``: amounts stored as integer sen, exact on SQLite and PostgreSQL.
- ``core.validators``: NIK, phone, NPWP, with Indonesian messages.
- ``core.dates``: wall-clock time in a koperasi's zone (WITA by default) and Indonesian dates.
- ``core.audit``: the append-only audit trail every write service records into
  (``core.selectors`` reads it); ``core.db`` installs such database-held rules per engine.
- ``core.backup``: ``kopdig backup`` / ``kopdig restore`` of the embedded SQLite database.
"""
