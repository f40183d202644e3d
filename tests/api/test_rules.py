"""The database holds the API's two rules itself, around Python (both engines)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from api.models import ApiToken, IdempotencyRecord
from tests.factories import MemberFactory


def _record(koperasi: Any, owner: str = "u1", key: str = "kunci-0001") -> IdempotencyRecord:
    return IdempotencyRecord.objects.create(
        koperasi=koperasi,
        owner=owner,
        key=key,
        operation="POST /x",
        fingerprint="0" * 64,
        status_code=201,
        response={},
    )


def test_a_key_is_stored_once_per_owner(koperasi):
    _record(koperasi)
    _record(koperasi, owner="u2")  # another owner may use the same key
    with pytest.raises(IntegrityError), transaction.atomic():
        _record(koperasi)


def test_a_token_belongs_to_a_user_or_a_member_never_both_or_neither(koperasi, kasir):
    member = MemberFactory.create(koperasi=koperasi)
    common = {
        "koperasi": koperasi,
        "prefix": "kd_x",
        "expires_at": timezone.now() + dt.timedelta(hours=1),
    }
    for n, owner in enumerate(({"user": kasir, "member": member}, {})):
        with pytest.raises(IntegrityError), transaction.atomic():
            ApiToken.objects.create(key_hash=f"{n}" * 64, **common, **owner)
    ApiToken.objects.create(key_hash="a" * 64, user=kasir, **common)
    with pytest.raises(IntegrityError), transaction.atomic():
        ApiToken.objects.create(key_hash="a" * 64, member=member, **common)
