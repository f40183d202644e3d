"""The JSON API for mobile clients (``/api/v1/``): thin django-ninja routers over the same
services and selectors as the pages.

Two ideas a newcomer needs:

- **Tokens** (:class:`api.models.ApiToken`): a phone signs in once (staff: username, password
  and the two-step code; member: phone and PIN through ``portal``) and gets a bearer token bound
  to one koperasi and to one owner, a staff user *or* a member. Only the token's hash is stored.
  Before any parameter is read, :mod:`api.auth` checks that every id in the path belongs to the
  token's koperasi (staff) or to the member: another tenant's object is a 404, never data.
- **Idempotency** (:class:`api.models.IdempotencyRecord`): every write carries an
  ``Idempotency-Key`` header; the first response is stored with the key (unique per owner), a
  repeat with the same body gets that response again and posts nothing, the same key with a
  different body is refused (409).
"""
