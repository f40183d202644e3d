"""Signing a phone in and out (``/api/v1/token/``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from api import services
from api.auth import AnyToken
from api.schemas import Error

router = Router(tags=["token"])


class StaffLoginIn(Schema):
    username: str = Field(..., min_length=1, max_length=150)
    password: str = Field(..., min_length=1, max_length=200)
    koperasi: str = Field(
        "", max_length=60, description="Kode koperasi (boleh kosong bila hanya satu)."
    )
    totp: str = Field("", max_length=10, description="Kode dua langkah, bila akun memakainya.")
    device: str = Field("", max_length=100)


class MemberLoginIn(Schema):
    phone: str = Field(..., min_length=1, max_length=20, examples=["081234560001"])
    pin: str = Field(..., pattern=r"^[0-9]{6}$", description="PIN enam angka.")
    device: str = Field("", max_length=100)


class TokenOut(Schema):
    token: str = Field(
        ..., description="Ditampilkan sekali; kirim sebagai 'Authorization: Bearer …'."
    )
    kind: str = Field(..., description="staf atau anggota")
    koperasi_code: str
    expires_at: dt.datetime


class RevokeIn(Schema):
    everywhere: bool = Field(False, description="Keluar dari semua perangkat.")


class RevokeOut(Schema):
    revoked: int


def _out(raw: str, token: Any) -> TokenOut:
    return TokenOut(
        token=raw,
        kind="anggota" if token.is_member else "staf",
        koperasi_code=token.koperasi.code,
        expires_at=token.expires_at,
    )


@router.post(
    "/staf",
    response={201: TokenOut, 400: Error, 401: Error, 403: Error, 422: Error, 429: Error},
    url_name="token_staff",
)
def staff_token(request: HttpRequest, payload: StaffLoginIn) -> Status[TokenOut]:
    """A kasir's or pengurus's phone signs in: username, password (and the two-step code)."""
    raw, token = services.token_issue_staff(
        request=request,
        username=payload.username,
        password=payload.password,
        koperasi_code=payload.koperasi,
        totp_code=payload.totp,
        device=payload.device,
    )
    return Status(201, _out(raw, token))


@router.post(
    "/anggota",
    response={201: TokenOut, 400: Error, 401: Error, 422: Error, 429: Error},
    url_name="token_member",
)
def member_token(request: HttpRequest, payload: MemberLoginIn) -> Status[TokenOut]:
    """A member's phone signs in with the phone number and PIN set at activation (the app's
    own lock after wrong PINs and its rate limit apply)."""
    raw, token = services.token_issue_member(
        request=request, phone=payload.phone, pin=payload.pin, device=payload.device
    )
    return Status(201, _out(raw, token))


@router.post(
    "/keluar",
    auth=AnyToken(),
    response={200: RevokeOut, 400: Error, 401: Error, 422: Error},
    url_name="token_revoke",
)
def revoke(request: HttpRequest, payload: RevokeIn) -> RevokeOut:
    """Sign this phone out (or, with ``everywhere``, every phone of the same person)."""
    count = services.token_revoke(
        token=request.auth,  # type: ignore[attr-defined]
        everywhere=payload.everywhere,
    )
    return RevokeOut(revoked=count)
