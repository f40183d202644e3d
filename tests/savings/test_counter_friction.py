"""The counter without friction: finding the right member, what each card offers, receipts
for thermal paper."""

from __future__ import annotations

import datetime as dt
import re
import zlib
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from members.models import Member
from savings.models import Kind, Obligation
from tests.savings.conftest import account

D = Decimal


def url(name: str, koperasi: Any, **kwargs: Any) -> str:
    return reverse(f"savings:{name}", kwargs={"kode": koperasi.code, **kwargs})


@pytest.fixture
def counter(client: Any, member: Member, kasir: Any) -> Any:
    client.force_login(kasir)
    client.post(url("session_open", member.koperasi), {"count": "1.000.000"})
    return client


def test_search_shows_birth_year_and_finds_number_without_zeros(
    counter: Any, member: Member
) -> None:
    number = member.number.lstrip("0")
    page = counter.get(url("search", member.koperasi), {"q": number}).content.decode()
    assert member.full_name in page
    assert f"lahir {member.birth_date.year}" in page


def test_wajib_card_shows_arrears_and_no_sample_amounts(counter: Any, member: Member) -> None:
    wajib = account(member, Kind.WAJIB)
    Obligation.objects.create(
        koperasi=member.koperasi,
        account=wajib,
        member=member,
        kind="wajib",
        period=dt.date(2024, 12, 1),
        amount=D("50000"),
    )
    page = counter.get(url("counter_member", member.koperasi, member_id=member.pk)).content
    text = page.decode()
    assert "Tunggakan Rp50.000 (1 bulan)" in text
    assert 'placeholder="1.500.000"' not in text
    # Rina paid her pokok on joining: that card offers no deposit.
    pokok = account(member, Kind.POKOK)
    assert url("deposit", member.koperasi, savings_account_id=pokok.pk) not in text
    assert "Simpanan pokok sudah lunas" in text


def test_every_error_of_a_money_form_at_once(counter: Any, member: Member) -> None:
    sukarela = account(member, Kind.SUKARELA)
    response = counter.post(
        url("deposit", member.koperasi, savings_account_id=sukarela.pk), {"amount": "abc"}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "Transaksi tidak disimpan" in text


@pytest.mark.parametrize(("asked", "paper"), [("58", "p58"), ("80", "p80"), ("x", "p80")])
def test_receipt_for_thermal_paper(counter: Any, member: Member, asked: str, paper: str) -> None:
    tx = account(member, Kind.SUKARELA).transactions.get()
    page = counter.get(url("receipt", member.koperasi, transaction_id=tx.pk), {"kertas": asked})
    text = page.content.decode()
    assert f'class="receipt {paper}"' in text
    assert "onclick" not in text and "data-print" in text
    if asked == "58":
        assert "@page{size:58mm" in text


def test_receipt_pdf_on_58_mm(counter: Any, member: Member) -> None:
    tx = account(member, Kind.SUKARELA).transactions.get()
    pdf = counter.get(
        url("receipt_pdf", member.koperasi, transaction_id=tx.pk), {"kertas": "58"}
    ).content
    # 58 mm is 164.4 pt wide (the page tree may sit in a compressed object stream).
    streams = [pdf] + [
        zlib.decompress(chunk.split(b"stream\n", 1)[1])
        for chunk in pdf.split(b"endstream")[:-1]
        if b"stream\n" in chunk
    ]
    assert any(re.search(rb"/MediaBox\s*\[\s*0 0 164\.4", s) for s in streams)
