"""The API's description is public and complete; its refusals are JSON in Indonesian (English
when the phone asks for it), money never a float."""

from __future__ import annotations

import json
from typing import Any

from tests.api.conftest import bearer  # noqa: F401  (the fixtures' module)


def test_openapi_is_public_and_describes_every_operation(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    for path in (
        "/api/v1/token/staf",
        "/api/v1/token/anggota",
        "/api/v1/kasir/rekening/{savings_account_id}/setor",
        "/api/v1/kasir/pinjaman/{loan_id}/bayar",
        "/api/v1/anggota/beranda",
        "/api/v1/anggota/pengajuan",
    ):
        assert path in paths, path
    setor = paths["/api/v1/kasir/rekening/{savings_account_id}/setor"]["post"]
    header = next(p for p in setor["parameters"] if p["in"] == "header")
    assert header["name"] == "Idempotency-Key" and header["required"] is True
    assert {"201", "202", "401", "403", "404", "409", "422"} <= set(setor["responses"])
    assert set(schema["components"]["securitySchemes"]) >= {"StaffToken", "MemberToken"}
    # Money is a string with two decimals everywhere it appears.
    receipt = schema["components"]["schemas"]["ReceiptOut"]["properties"]["amount"]
    assert receipt["type"] == "string" and receipt["pattern"].endswith(r"\.[0-9]{2}$")
    # Every write but signing in carries the key.
    for path, operations in paths.items():
        for method, op in operations.items():
            if method == "post" and not path.startswith("/api/v1/token/"):
                names = {p["name"] for p in op.get("parameters", []) if p["in"] == "header"}
                assert "Idempotency-Key" in names, path


def test_a_malformed_body_and_a_float_amount_are_refused_in_indonesian(
    client: Any, member, session, kasir_auth
):
    from savings.models import Account, Kind

    account = Account.objects.get(member=member, kind=Kind.SUKARELA)
    url = f"/api/v1/kasir/rekening/{account.pk}/setor"
    extra = {**kasir_auth, "HTTP_IDEMPOTENCY_KEY": "kunci-rusak-01"}
    broken = client.post(url, data="{bukan json", content_type="application/json", **extra)
    assert broken.status_code == 400
    assert broken.json() == {"detail": "Isi permintaan bukan JSON yang valid.", "code": "body"}
    floated = client.post(
        url, data=json.dumps({"amount": 1500.5}), content_type="application/json", **extra
    )
    assert floated.status_code == 422
    body = floated.json()
    assert body["code"] == "invalid"
    assert body["errors"] == [
        {"loc": ["body", "payload", "amount"], "message": "Bentuk data tidak valid."}
    ]


def test_the_phone_may_ask_for_english(client: Any, db):
    response = client.get("/api/v1/kasir/saya", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["detail"] == (
        "The token is missing, wrong, expired or revoked. Sign in again."
    )
    assert client.get("/api/v1/kasir/saya").json()["detail"].startswith("Token tidak ada")
