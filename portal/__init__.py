"""The members' app (PWA): what an anggota sees and does from their own phone.

What it owns: the member's way in (:class:`~portal.models.MemberLogin`: phone and a 6-digit PIN,
set with a one-time :class:`~portal.models.ActivationCode` that the kasir or konsultan issues),
the member's loan applications sent from the app (each with the idempotency key the phone made,
so a request sent twice over a bad connection makes one application), and phone-number changes
waiting for the koperasi's confirmation. Everything shown is read through the savings and loans
selectors, scoped to the signed-in member; nothing here moves money.

A member's session is not a Django user's: it holds the member's id and the login's
``session_version`` (bumped by "keluar dari semua perangkat"), lasts weeks, and opens no staff
page. Adoption (activation, logins, screens used, actions) is written into the dashboard's
``MemberAppAccount`` and ``MemberAppActivity`` rows, never any figure of the member's finances.
"""
