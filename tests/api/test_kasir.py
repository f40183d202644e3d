"""The kasir's counter over the API: the same services, limits and rules as the pages."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from ledger.models import JournalEntry
from registry.models import Role
from savings import services
from savings.models import Account, CounterRequest, Kind
from tests.api.conftest import bearer, staff_token
from tests.factories import staff_user

D = Decimal
API = "/api/v1/kasir"


def _post(
    client: Any, url: str, body: dict, auth: dict, key: str | None = "kunci-setor-0001"
) -> Any:
    extra = dict(auth)
    if key is not None:
        extra["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(url, data=json.dumps(body), content_type="application/json", **extra)


def _sukarela(member: Any) -> Account:
    return Account.objects.get(member=member, kind=Kind.SUKARELA)


def test_search_and_member_show_balances_as_exact_strings(client, member, kasir_auth):
    found = client.get(f"{API}/anggota", {"q": "rina"}, **kasir_auth).json()
    assert [m["full_name"] for m in found] == ["Rina Jehamat"]
    assert "•" in found[0]["nik"]  # masked
    detail = client.get(f"{API}/anggota/{member.pk}", **kasir_auth).json()
    balances = {a["kind"]: a["balance"] for a in detail["accounts"]}
    assert balances["sukarela"] == "500000.00"
    assert balances["pokok"] == "100000.00"


def test_deposit_posts_once_and_a_repeat_returns_the_first_receipt(
    client, member, session, kasir_auth
):
    sukarela = _sukarela(member)
    url = f"{API}/rekening/{sukarela.pk}/setor"
    entries = JournalEntry.objects.count()
    first = _post(client, url, {"amount": "150000"}, kasir_auth)
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["amount"] == "150000.00"
    assert body["balance_after"] == "650000.00"
    assert body["amount_words"] == "seratus lima puluh ribu rupiah"
    entry = JournalEntry.objects.get(number=body["entry_number"])
    assert body["short_hash"] == entry.short_hash and len(body["short_hash"]) >= 6
    again = _post(client, url, {"amount": "150000"}, kasir_auth)
    assert again.status_code == 201
    assert again.json() == body
    assert JournalEntry.objects.count() == entries + 1
    sukarela.refresh_from_db()
    assert sukarela.balance == D("650000")
    # The receipt reads back the same.
    receipt = client.get(f"{API}/struk/{body['transaction_id']}", **kasir_auth).json()
    assert receipt["short_hash"] == entry.short_hash


def test_same_key_with_another_amount_is_refused_and_posts_nothing(
    client, member, session, kasir_auth
):
    sukarela = _sukarela(member)
    url = f"{API}/rekening/{sukarela.pk}/setor"
    assert _post(client, url, {"amount": "150000"}, kasir_auth).status_code == 201
    entries = JournalEntry.objects.count()
    other = _post(client, url, {"amount": "900000"}, kasir_auth)
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_mismatch"
    assert "sudah dipakai" in other.json()["detail"]
    assert JournalEntry.objects.count() == entries


def test_keys_are_scoped_per_token_owner(client, koperasi, member, session, kasir_auth):
    """Two kasir may use the same key: each gets their own transaction."""
    other_kasir = staff_user("kasir.dua", Role.KASIR, koperasi)
    services.cashier_open(koperasi=koperasi, kasir=other_kasir, count=D("0"), actor=other_kasir)
    sukarela = _sukarela(member)
    url = f"{API}/rekening/{sukarela.pk}/setor"
    a = _post(client, url, {"amount": "10000"}, kasir_auth)
    b = _post(client, url, {"amount": "10000"}, bearer(staff_token(other_kasir, koperasi)))
    assert a.status_code == b.status_code == 201
    assert a.json()["transaction_id"] != b.json()["transaction_id"]


def test_a_write_without_a_key_is_refused_in_indonesian(client, member, session, kasir_auth):
    sukarela = _sukarela(member)
    response = _post(
        client, f"{API}/rekening/{sukarela.pk}/setor", {"amount": "1"}, kasir_auth, key=None
    )
    assert response.status_code == 422
    body = response.json()
    assert body["detail"].startswith("Data yang dikirim tidak valid")
    assert {"loc": ["header", "Idempotency-Key"], "message": "Wajib diisi."} in body["errors"]


def test_money_never_moves_without_an_open_session(client, member, kasir_auth):
    response = _post(
        client, f"{API}/rekening/{_sukarela(member).pk}/setor", {"amount": "1000"}, kasir_auth
    )
    assert response.status_code == 409
    assert response.json() == {
        "detail": "Buka sesi kasir dulu dengan menghitung uang di laci.",
        "code": "session",
    }


def test_a_refused_withdrawal_says_why_and_frees_the_key(client, member, session, kasir_auth):
    url = f"{API}/rekening/{_sukarela(member).pk}/tarik"
    too_much = _post(client, url, {"amount": "495000"}, kasir_auth, key="tarik-0000001")
    assert too_much.status_code == 422
    assert "minimum" in too_much.json()["detail"].lower() or "saldo" in too_much.json()["detail"]
    ok = _post(client, url, {"amount": "90000"}, kasir_auth, key="tarik-0000001")
    assert ok.status_code == 201, ok.content
    assert ok.json()["balance_after"] == "410000.00"


def test_above_the_confirmation_level_the_client_confirms(
    client, member, session, kasir_auth, pengurus
):
    services.limits_set(
        koperasi=member.koperasi,
        confirm_above="100.000",
        approval_threshold="1.000.000",
        ceiling="200.000.000",
        actor=pengurus,
    )
    url = f"{API}/rekening/{_sukarela(member).pk}/setor"
    asked = _post(client, url, {"amount": "200000"}, kasir_auth)
    assert asked.status_code == 422
    assert asked.json()["code"] == "confirm"
    done = _post(client, url, {"amount": "200000", "confirmed": True}, kasir_auth)
    assert done.status_code == 201
    # Above the approval threshold it waits for a pengurus: nothing is posted.
    entries = JournalEntry.objects.count()
    waits = _post(
        client, url, {"amount": "2000000", "confirmed": True}, kasir_auth, key="besar-00001"
    )
    assert waits.status_code == 202, waits.content
    assert "menunggu persetujuan pengurus" in waits.json()["detail"]
    assert CounterRequest.objects.filter(pk=waits.json()["request_id"]).exists()
    assert JournalEntry.objects.count() == entries


def test_pengawas_reads_but_cannot_move_money(client, member, session, pengawas, koperasi):
    auth = bearer(staff_token(pengawas, koperasi))
    assert client.get(f"{API}/anggota/{member.pk}", **auth).status_code == 200
    refused = _post(
        client, f"{API}/rekening/{_sukarela(member).pk}/setor", {"amount": "1000"}, auth
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"


def test_another_koperasis_member_and_account_are_404(
    client, member, session, other_koperasi, pengurus
):
    from tests.factories import savings_account

    foreign = savings_account(other_koperasi)
    other_staff = staff_user("kasir.lain", Role.KASIR, other_koperasi)
    auth = bearer(staff_token(other_staff, other_koperasi))
    assert client.get(f"{API}/anggota/{member.pk}", **auth).status_code == 404
    response = _post(client, f"{API}/rekening/{_sukarela(member).pk}/setor", {"amount": "1"}, auth)
    assert response.status_code == 404
    assert response.json()["detail"] == "Tidak ditemukan."
    assert foreign.koperasi_id == other_koperasi.pk


def test_loan_repayment_through_the_api(client, member, session, kasir_auth, koperasi):
    from tests.factories import disbursed_loan

    loan = disbursed_loan(koperasi, member=member)
    listed = client.get(f"{API}/anggota/{member.pk}", **kasir_auth).json()["loans"]
    assert [row["number"] for row in listed] == [loan.number]
    url = f"{API}/pinjaman/{loan.pk}/bayar"
    paid = _post(client, url, {"amount": "933333"}, kasir_auth, key="angsuran-0001")
    assert paid.status_code == 201, paid.content
    body = paid.json()
    assert body["total"] == "933333.00"
    assert D(body["principal"]) + D(body["interest"]) + D(body["denda"]) == D("933333")
    assert body["short_hash"] == JournalEntry.objects.get(number=body["entry_number"]).short_hash
    again = _post(client, url, {"amount": "933333"}, kasir_auth, key="angsuran-0001")
    assert again.json() == body
    read = client.get(f"{API}/struk-pinjaman/{body['loan_transaction_id']}", **kasir_auth)
    assert read.json() == body | {"outstanding_principal": read.json()["outstanding_principal"]}


def test_the_kasirs_day_opens_and_closes_over_the_api(client, member, kasir_auth):
    opened = _post(client, f"{API}/sesi/buka", {"count": "1000000"}, kasir_auth, key="buka-00001")
    assert opened.status_code == 201, opened.content
    assert opened.json()["expected_cash"] == "1000000.00"
    again = _post(client, f"{API}/sesi/buka", {"count": "1000000"}, kasir_auth, key="buka-00002")
    assert again.status_code == 422 and "masih terbuka" in again.json()["detail"]
    _post(client, f"{API}/rekening/{_sukarela(member).pk}/setor", {"amount": "50000"}, kasir_auth)
    short = _post(client, f"{API}/sesi/tutup", {"count": "1040000"}, kasir_auth, key="tutup-0001")
    assert short.status_code == 422 and "selisih" in short.json()["detail"]
    closed = _post(
        client,
        f"{API}/sesi/tutup",
        {"count": "1040000", "note": "uang robek"},
        kasir_auth,
        key="tutup-0002",
    )
    assert closed.status_code == 200, closed.content
    assert closed.json()["difference"] == "-10000.00"
    assert client.get(f"{API}/saya", **kasir_auth).json()["session"] is None
