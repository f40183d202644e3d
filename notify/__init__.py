"""notify: what Kopdig tells members, and what a member can check.

- The close-of-business step that writes instalment reminders (before and on the due day),
  overdue notices and wajib reminders into the outbox (:mod:`notify.reminders`), on the days
  the koperasi chose (:class:`notify.models.ReminderSettings`, set by a pengurus); the
  outbox itself, its backends and the message templates are in core (:mod:`core.outbox`,
  :mod:`core.notify`), so the savings and loans services below this app can enqueue.
- The koperasi's public receipt check, ``/k/<kode>/cek/``: a receipt's verification code (its
  journal entry's short hash, also in the QR code printed on it) gives the date, kind, amount
  and masked account, and nothing else about the member. Rate-limited per address, counted in
  the database (shared by every server process).
"""
