"""Every Indonesian msgid of the staff apps has its English in the catalogue.

The apps here are the staff side outside lending (loans/ and closing/ are checked, with the same
reader, in tests/core/test_i18n_catalogue.py): the registry and users, the Dinas's dashboard and
the beranda, core, members, savings and the ledger.
"""

from __future__ import annotations

from django.utils import translation

from tests import catalogue

STAFF_APPS = ["registry", "dashboard", "core", "members", "savings", "ledger"]


def test_the_extractor_sees_python_templates_and_plurals() -> None:
    found = catalogue.msgids(STAFF_APPS)
    assert ("", "Kas diambil dari brankas") in found  # gettext_lazy in a dict
    assert ("", "Unduh XLSX") in found  # {% translate %}
    assert ("", "%(n)s sesi terbuka") in found  # {% blocktranslate count %}
    assert ("", "Waktu (%(zone)s)") in found  # {% blocktranslate %} with a variable
    assert not any("Neraca Saldo" == m for _c, m in found)  # books_text stays Indonesian


def test_every_staff_msgid_has_an_english_msgstr() -> None:
    assert catalogue.untranslated(STAFF_APPS) == []


def test_a_percent_in_a_translate_tag_is_found_at_run_time() -> None:
    """``{% translate "0% …" %}`` looks up the text with one %, not the escaped ``%%``."""
    translation.activate("en")
    try:
        text = translation.gettext(
            "PPh final Pasal 4 ayat (2): 0% bila bunga seluruh simpanan anggota dalam sebulan "
            "paling banyak Rp240.000, 10% dari bunga bruto bila lebih. Disetor paling lambat "
            "tanggal 15 bulan berikutnya (hari kerja berikutnya bila jatuh pada Sabtu atau "
            "Minggu), dengan NTPN dari bukti setor."
        )
    finally:
        translation.deactivate()
    assert text.startswith("Final income tax (PPh) under Article 4(2): 0% if")
