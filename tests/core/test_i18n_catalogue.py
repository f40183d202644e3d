"""Every interface text of loans/ and closing/ has an English translation.

The interface is written in Indonesian (the msgids) and translated to English in
``kopdig/locale/en/LC_MESSAGES/django.po``. The msgids are read from the apps' Python and
templates by :mod:`tests.catalogue` (the same reader as the staff apps' test), and every one
without an English msgstr is named, so a new page cannot ship half in Indonesian for an English
reader.
"""

from __future__ import annotations

import pytest

from tests import catalogue

APPS = ("loans", "closing")


def test_the_extractor_finds_python_and_template_texts() -> None:
    found = {msgid for _context, msgid in catalogue.msgids(["loans"])}
    assert "Pinjaman" in found  # apps.py: gettext_lazy as _
    assert "Terima angsuran" in found  # a template's {% translate %}
    assert any("%(q)s" in msgid for msgid in found)  # a {% blocktranslate with q=… %}


@pytest.mark.parametrize("app", APPS)
def test_every_text_has_an_english_translation(app: str) -> None:
    gaps = catalogue.untranslated([app])
    assert not gaps, f"{len(gaps)} tanpa terjemahan Inggris:\n" + "\n".join(
        f"  {gap}" for gap in gaps
    )
