"""``Idempotency-Key`` on every write of the API.

The write runs inside one transaction that first inserts the key's row; the row's unique
constraint (koperasi, owner, key) makes a concurrent repeat wait for the first and then read its
answer. A refusal (4xx) rolls everything back, the key included, so the phone may send it again
after fixing what was wrong. The key also reaches the ledger (``api:<owner>:<key>``) so a money
service would dedupe a repeat even without this table."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Schema, Status

from api.models import ApiToken, IdempotencyRecord
from api.services import ApiError


def service_key(token: ApiToken, key: str) -> str:
    """The key handed to the money services (the ledger's per-koperasi idempotency key)."""
    return f"api:{token.owner_key}:{key}"


def _fingerprint(request: HttpRequest, payload: Schema | None) -> str:
    body = payload.model_dump(mode="json") if payload is not None else None
    text = json.dumps([request.method, request.path, body], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _replay(found: IdempotencyRecord, fingerprint: str) -> Status[Any]:
    if found.fingerprint != fingerprint:
        raise ApiError(
            _(
                "Kunci Idempotency-Key ini sudah dipakai untuk permintaan lain. Tidak ada yang "
                "dicatat; kirim dengan kunci baru bila memang transaksi baru."
            ),
            code="idempotency_mismatch",
            status=409,
        )
    return Status(found.status_code, found.response)


def idempotent(
    request: HttpRequest,
    *,
    key: str,
    payload: Schema | None,
    run: Callable[[], tuple[int, Schema]],
) -> Status[Any]:
    """Run ``run`` once per (owner, key); a repeat returns the stored status and JSON body."""
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    fingerprint = _fingerprint(request, payload)
    scope = {"koperasi_id": token.koperasi_id, "owner": token.owner_key, "key": key}
    with transaction.atomic():
        found = IdempotencyRecord.objects.filter(**scope).first()
        if found is not None:
            return _replay(found, fingerprint)
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    **scope,
                    operation=f"{request.method} {request.path}"[:200],
                    fingerprint=fingerprint,
                    status_code=0,
                    response={},
                )
        except IntegrityError:
            # A concurrent request with the same key committed first: its answer is ours.
            return _replay(IdempotencyRecord.objects.get(**scope), fingerprint)
        status, result = run()
        body = result.model_dump(mode="json")
        record.status_code = status
        record.response = body
        record.save(update_fields=["status_code", "response"])
        return Status(status, body)
