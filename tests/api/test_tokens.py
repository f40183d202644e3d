"""A phone signs in and out: tokens for staff as strict as the sign-in page."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import pyotp
from axes.models import AccessAttempt
from django.utils import timezone

from api.models import ApiToken
from registry import user_services
from registry.models import Role, RoleGrant
from tests.api.conftest import bearer
from tests.factories import PASSWORD

URL = "/api/v1/token/staf"


def _login(client: Any, ip: str = "10.1.1.1", **body: Any) -> Any:
    return client.post(URL, data=json.dumps(body), content_type="application/json", REMOTE_ADDR=ip)


def test_a_kasir_gets_a_token_bound_to_their_koperasi(client, kasir, koperasi):
    response = _login(client, username="kasir", password=PASSWORD, device="HP kasir")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "staf" and body["koperasi_code"] == koperasi.code
    token = ApiToken.objects.get()
    assert token.user == kasir and token.koperasi == koperasi
    assert body["token"] not in (token.key_hash, token.prefix)  # only a hash is kept
    me = client.get("/api/v1/kasir/saya", **bearer(body["token"])).json()
    assert me["roles"] == ["kasir"] and me["session"] is None


def test_a_wrong_password_is_refused_in_indonesian_and_five_lock_the_account(client, kasir):
    for _ in range(5):
        wrong = _login(client, username="kasir", password="salah-sekali")
        assert wrong.status_code in (401, 429)
    assert wrong.status_code == 429
    assert "Terlalu banyak percobaan" in wrong.json()["detail"]
    # Locked: even the right password gets no token now.
    locked = _login(client, username="kasir", password=PASSWORD)
    assert locked.status_code == 429
    assert ApiToken.objects.count() == 0
    first = _login(client, ip="10.2.2.2", username="kasir", password="salah")
    assert first.json()["detail"].startswith("Nama pengguna atau kata sandi salah")


def test_two_step_code_is_required_and_a_wrong_one_counts_as_a_failure(client, pengurus):
    secret = user_services.totp_begin(user=pengurus)
    user_services.totp_enable(user=pengurus, code=pyotp.TOTP(secret).now())
    asked = _login(client, username="pengurus", password=PASSWORD)
    assert asked.status_code == 401 and asked.json()["code"] == "totp_required"
    wrong = _login(client, username="pengurus", password=PASSWORD, totp="000000")
    assert wrong.status_code == 401 and "Kode salah" in wrong.json()["detail"]
    assert AccessAttempt.objects.filter(username="pengurus").exists()
    code = pyotp.TOTP(secret).at(time.time() + 30)
    ok = _login(client, username="pengurus", password=PASSWORD, totp=code)
    assert ok.status_code == 201


def test_someone_in_two_koperasi_names_one(client, kasir, koperasi, other_koperasi):
    RoleGrant.objects.create(user=kasir, role=Role.KASIR, koperasi=other_koperasi)
    unnamed = _login(client, username="kasir", password=PASSWORD)
    assert unnamed.status_code == 403
    assert unnamed.json()["detail"] == "Sebutkan kode koperasi tempat Anda bekerja."
    named = _login(client, username="kasir", password=PASSWORD, koperasi=other_koperasi.code)
    assert named.json()["koperasi_code"] == other_koperasi.code


def test_revoked_expired_or_roleless_tokens_open_nothing(client, kasir, koperasi):
    raw = _login(client, username="kasir", password=PASSWORD).json()["token"]
    auth = bearer(raw)
    assert client.get("/api/v1/kasir/saya", **auth).status_code == 200
    # The role taken away: the token stops at once.
    RoleGrant.objects.filter(user=kasir).delete()
    kasir._kopdig_grants = None
    refused = client.get("/api/v1/kasir/saya", **auth)
    assert refused.status_code == 401
    assert refused.json()["detail"].startswith("Token tidak ada, salah, kedaluwarsa")
    RoleGrant.objects.create(user=kasir, role=Role.KASIR, koperasi=koperasi)
    assert client.get("/api/v1/kasir/saya", **auth).status_code == 200
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get("/api/v1/kasir/saya", **auth).status_code == 401
    ApiToken.objects.update(expires_at=timezone.now() + dt.timedelta(hours=1))
    out = client.post("/api/v1/token/keluar", data="{}", content_type="application/json", **auth)
    assert out.json() == {"revoked": 1}
    assert client.get("/api/v1/kasir/saya", **auth).status_code == 401


def test_sign_out_everywhere_revokes_every_phone(client, kasir):
    tokens = [_login(client, username="kasir", password=PASSWORD).json()["token"] for _ in "ab"]
    out = client.post(
        "/api/v1/token/keluar",
        data=json.dumps({"everywhere": True}),
        content_type="application/json",
        **bearer(tokens[0]),
    )
    assert out.json() == {"revoked": 2}
    assert client.get("/api/v1/kasir/saya", **bearer(tokens[1])).status_code == 401


def test_a_garbage_token_and_no_token_are_401(client, db):
    assert client.get("/api/v1/kasir/saya").status_code == 401
    assert client.get("/api/v1/kasir/saya", **bearer("kd_tidak-ada")).status_code == 401
