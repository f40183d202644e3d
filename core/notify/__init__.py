"""Notifications to members over WhatsApp and SMS, through the outbox (:mod:`core.outbox`).

- :mod:`.messages`: the message templates (Indonesian, through gettext), short enough for one
  SMS and written in the GSM-7 alphabet so a cheap phone shows them as they are.
- :mod:`.backends`: how a message leaves: ``console`` (the default; prints) or ``http`` (a
  WhatsApp/SMS gateway taking a JSON POST), chosen by ``KOPDIG_NOTIFY_BACKEND``.
- :mod:`.notices`: the one call each service makes (a receipt, a loan decision), which turns
  the domain objects into a message for the member, in the service's own transaction.
"""
