"""The Dinas and its consultants: the registry's working tool for the district office.

What it owns: the registry details the Dinas keeps beside each koperasi (pengurus and pengawas
with their terms, contacts, RAT history, the NIK koperasi certificate), the consultants' visit
log with follow-ups, the figures the Dinas enters from a non-digital koperasi's annual report,
and :class:`~dashboard.models.KoperasiFigures`, one row per koperasi of figures computed from
its own books and records. That row is refreshed by :func:`dashboard.services.figures_refresh`
(after a koperasi's close of business, by ``kopdig dashboard-refresh`` and by the demo), so the
district pages read ~150 small rows instead of scanning millions of postings per request.

Everything "as of a date" (``?per=YYYY-MM-DD``) comes from the registry's dated history: the
stage changes and status changes, and the monthly adoption rows kept here.
"""
