"""Every message fits one SMS, in the GSM-7 alphabet, with the longest values it can get."""

from __future__ import annotations

import pytest
from django.utils import translation

from core.notify import messages

LONGEST = {
    "k": messages.short_name("Koperasi Simpan Pinjam Sinar Harapan Sejahtera Labuan Bajo"),
    "amount": "Rp999.999.999.999",
    "acct": messages.mask("SS-2025-000123"),
    "to": messages.mask("SW-2025-000124"),
    "accts": "*0123, *0124, *0125, ...",
    "loan": messages.mask("PU-2025-00042"),
    "date": "22/03/2025",
    "due": "22/04/2025",
    "code": "3fa9c0d2b1e4",
    "left": "Rp999.999.999.999",
    "n": "360",
    "days": "9999",
    "months": "120",
}


@pytest.mark.parametrize("template", sorted(messages.TEMPLATES))
@pytest.mark.parametrize("language", ["id", "en"])
def test_fits_one_sms(template: str, language: str) -> None:
    text = messages.render(template, LONGEST, language=language)
    assert len(text) <= messages.SMS_LIMIT, (len(text), text)
    assert set(text) <= messages.GSM7
    assert "%(" not in text


def test_english_is_translated() -> None:
    with translation.override("en"):
        assert messages.render("loans.due_today", LONGEST, language="en") != messages.render(
            "loans.due_today", LONGEST
        )


def test_names_and_numbers_are_cut_and_masked() -> None:
    assert messages.short_name("KSP Sinar Bajo") == "KSP Sinar Bajo"
    assert len(LONGEST["k"]) == messages.NAME_LIMIT and LONGEST["k"].endswith(".")
    assert messages.mask("SS-2025-000123") == "*0123"
    assert messages.gsm7("Koperasi “Maju” — Bajo") == 'Koperasi "Maju" - Bajo'
