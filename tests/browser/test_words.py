"""No word broken mid-word on a phone (360×740): the main staff and Dinas pages.

Each visible text node is cut into words (between spaces and the characters a line may break
after: hyphen, slash, dashes); a word whose own glyphs lie on two lines was broken inside it.
Tokens allowed to break (a hash, a NIK, an e-mail) carry the class ``break``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page

from core import audit
from dashboard import services as dashboard_services
from members.models import Member
from registry import services as registry_services
from registry.models import Koperasi, Role
from savings import services as savings_services
from tests.browser.conftest import BROWSER_DB, fits_the_screen
from tests.factories import UserFactory, grant
from tests.savings.conftest import books, member, products  # noqa: F401

pytestmark = [pytest.mark.browser, BROWSER_DB]

# Every word of the page whose glyphs lie on more than one line: [{word, where, lines}].
BROKEN_WORDS_JS = """
() => {
  const found = [];
  const skip = 'script,style,noscript,select,option,textarea,svg,.break';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest(skip)) continue;
    const word = /[^\\s\\-\\/\\u2010-\\u2015\\u00b7]+/g;
    for (let m = word.exec(node.data); m; m = word.exec(node.data)) {
      if (m[0].length < 2) continue;
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const rects = [...range.getClientRects()].filter(r => r.width > 0 && r.height > 0);
      if (rects.length < 2) continue;
      const tops = rects.map(r => r.top);
      const lineHeight = Math.min(...rects.map(r => r.height));
      if (Math.max(...tops) - Math.min(...tops) > lineHeight / 2) {
        found.push({word: m[0], where: el.tagName.toLowerCase() + '.' + el.className,
                    lines: new Set(tops.map(Math.round)).size});
      }
    }
  }
  return found;
}
"""


def broken_words(page: Page) -> list[dict[str, Any]]:
    return list(page.evaluate(BROKEN_WORDS_JS))


@pytest.fixture
def pages(member: Member, kasir: Any, pengurus: Any) -> dict[str, list[str]]:  # noqa: F811
    """A koperasi with a long name, a long member name, a session, an audit trail; a district."""
    koperasi = member.koperasi
    Koperasi.objects.filter(pk=koperasi.pk).update(
        name="Koperasi Simpan Pinjam Kesejahteraan Masyarakat Pesisir Labuanbajo"
    )
    Member.objects.filter(pk=member.pk).update(full_name="Maria Immaculata Fransiska Jehamat")
    savings_services.cashier_open(koperasi=koperasi, kasir=kasir, count="2500000", actor=kasir)
    audit.record(
        actor=pengurus,
        action="members.update",
        obj=member,
        before={"address": "Kampung Ujung, Desa Gorontalo, Kecamatan Komodo"},
        after={"address": "Jalan Soekarno-Hatta Nomor 12, Kelurahan Labuanbajo"},
    )
    dinas = UserFactory(username="dinas")
    grant(dinas, Role.DINAS_ADMIN)
    for stage in ("pendataan", "migrasi", "digital"):
        registry_services.digital_stage_set(
            actor=dinas, koperasi=koperasi, stage=stage, on=dt.date(2025, 1, 2)
        )
    dashboard_services.figures_refresh(koperasi=koperasi)
    kode = {"kode": koperasi.code}
    return {
        "pengurus": [
            reverse("dashboard:beranda", kwargs=kode),
            reverse("members:list", kwargs=kode),
            reverse("savings:home", kwargs=kode),
            reverse("savings:sessions", kwargs=kode),
            reverse("ledger:home", kwargs=kode),
            reverse("ledger:journal", kwargs=kode),
            reverse("registry:audit", kwargs=kode),
            reverse("registry:staff_users", kwargs=kode),
        ],
        "dinas": [
            reverse("dashboard:home"),
            reverse("registry:list"),
            reverse("registry:profile", kwargs=kode),
            reverse("dashboard:koperasi", kwargs=kode),
            reverse("registry:district_audit"),
            reverse("registry:people"),
        ],
    }


def test_no_page_breaks_a_word_on_a_phone(
    phone: Page, server: str, pages: dict[str, list[str]]
) -> None:
    from tests.browser.test_pages import log_in

    checked = 0
    for username, urls in pages.items():
        phone.context.clear_cookies()
        log_in(phone, server, username)
        for url in urls:
            response = phone.goto(f"{server}{url}")
            assert response is not None and response.status == 200, url
            assert broken_words(phone) == [], url
            assert fits_the_screen(phone), url
            checked += 1
    assert checked == 14
    # The pages this change touched, for a person to look at (360×740 and 1280×800).
    for size in ({"width": 360, "height": 740}, {"width": 1280, "height": 800}):
        phone.set_viewport_size(size)  # type: ignore[arg-type]
        for name, url in [("audit-district", pages["dinas"][4]), ("dinas-home", pages["dinas"][0])]:
            phone.goto(f"{server}{url}")
            phone.screenshot(path=f"/tmp/words-{name}-{size['width']}.png", full_page=True)


def test_the_check_finds_a_word_broken_mid_word(
    phone: Page, server: str, pages: dict[str, list[str]]
) -> None:
    """The check is real: the old rule (overflow-wrap: anywhere in a narrow cell) fails it."""
    from tests.browser.test_pages import log_in

    log_in(phone, server, "pengurus")
    phone.goto(f"{server}{pages['pengurus'][0]}")
    assert broken_words(phone) == []
    phone.evaluate(
        """() => {
          const p = document.createElement('p');
          p.style.cssText = 'width:6rem;overflow-wrap:anywhere';
          p.textContent = 'Simpanan Kesejahteraan';
          document.querySelector('main').prepend(p);
        }"""
    )
    found = broken_words(phone)
    assert [f["word"] for f in found] == ["Kesejahteraan"]
