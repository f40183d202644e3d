"""The books are written in Indonesian, whatever language the kasir reads the screens in."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import translation

from ledger.models import JournalEntry
from savings import services
from savings.models import Kind, Transaction
from tests.savings.conftest import account

D = Decimal


@pytest.fixture
def english(settings: Any) -> Any:
    call_command("compilemessages_py")  # the English catalogue, as `make setup` builds it
    settings.LOCALE_PATHS = list(settings.LOCALE_PATHS)  # forget catalogues loaded before
    with translation.override("en"):
        assert translation.gettext("Simpanan") != "Simpanan"  # English is really active
        yield


def test_a_kasir_reading_english_writes_indonesian_memos(
    member: Any, kasir: Any, pengurus: Any, english: Any
):
    sukarela = account(member, Kind.SUKARELA)
    wajib = account(member, Kind.WAJIB)
    tx = services.deposit(account=sukarela, amount=D("150000"), actor=kasir, idempotency_key="a")
    out, _ = services.transfer(
        source=sukarela, target=wajib, amount=D("50000"), actor=kasir, idempotency_key="b"
    )
    void = services.transaction_void(transaction=tx, actor=pengurus, reason="salah nominal")

    assert tx.memo == "Setoran Simpanan Sukarela"
    assert JournalEntry.objects.get(pk=tx.entry_id).memo.startswith("Setoran Simpanan Sukarela — ")
    assert Transaction.objects.get(pk=out.pk).memo.startswith("Pindah buku ")
    assert void.void_entry_id is not None
    back = JournalEntry.objects.get(pk=void.void_entry_id)
    assert back.memo == f"Pembatalan {tx.entry.number}: salah nominal"


def test_a_long_memo_is_cut_visibly_in_the_journal(member: Any, kasir: Any) -> None:
    note = "catatan " * 30  # 240 characters (the form allows 200; a service caller more)
    tx = services.deposit(
        account=account(member, Kind.SUKARELA), amount=D("10000"), actor=kasir, memo=note
    )
    assert tx.memo == note  # the kasir's note is kept whole on the movement
    entry_memo = JournalEntry.objects.get(pk=tx.entry_id).memo
    assert len(entry_memo) == 250 and entry_memo.endswith("…")
    assert entry_memo.startswith(note)
