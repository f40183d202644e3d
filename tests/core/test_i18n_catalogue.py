"""Every interface text of the listed apps has an English translation.

The interface is written in Indonesian (the msgids) and translated to English in
``kopdig/locale/en/LC_MESSAGES/django.po``. This test reads the apps' Python (the gettext
calls, by their syntax tree) and templates (``{% translate %}`` and ``{% blocktranslate %}``,
through Django's own :func:`~django.utils.translation.template.templatize`, as makemessages
does) and fails naming every msgid with no English msgstr, so a new page cannot ship half in
Indonesian for an English reader.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils.translation.template import templatize

ROOT = Path(settings.BASE_DIR)
APPS = ("loans", "closing")
CATALOGUE = ROOT / "kopdig" / "locale" / "en" / "LC_MESSAGES" / "django.po"

# name → (index of the context argument or None, indexes of the msgid arguments)
CALLS: dict[str, tuple[int | None, tuple[int, ...]]] = {
    "_": (None, (0,)),
    "gettext": (None, (0,)),
    "gettext_lazy": (None, (0,)),
    "gettext_noop": (None, (0,)),
    "ngettext": (None, (0, 1)),
    "ngettext_lazy": (None, (0, 1)),
    "pgettext": (0, (1,)),
    "pgettext_lazy": (0, (1,)),
    "npgettext": (0, (1, 2)),
    "npgettext_lazy": (0, (1, 2)),
}

Msg = tuple[str, str, str]  # (context, msgid, where)


def _from_call(node: ast.Call, where: str) -> Iterator[Msg]:
    func = node.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
    if name not in CALLS:
        return
    ctx_at, ids_at = CALLS[name]
    args = node.args

    def text(i: int | None) -> str | None:
        if i is None or i >= len(args):
            return None
        arg = args[i]
        return arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None

    context = text(ctx_at) or ""
    for i in ids_at:
        msgid = text(i)
        if msgid:
            yield context, msgid, f"{where}:{node.lineno}"


def python_messages(path: Path) -> Iterator[Msg]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    where = str(path.relative_to(ROOT))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield from _from_call(node, where)


# templatize writes each translatable text as a Python call: gettext(u'…'), pgettext(u'…', u'…').
_TEMPLATE_CALL = re.compile(r"\b(n?p?gettext)\(((?:\s*u?'(?:[^'\\]|\\.)*'\s*,?)+)")
_LITERAL = re.compile(r"u?'((?:[^'\\]|\\.)*)'")


def template_messages(path: Path) -> Iterator[Msg]:
    code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    where = str(path.relative_to(ROOT))
    for match in _TEMPLATE_CALL.finditer(code):
        name, raw = match.groups()
        literals = [ast.literal_eval(f"'{s}'") for s in _LITERAL.findall(raw)]
        ctx_at, ids_at = CALLS[name]
        context = literals[ctx_at] if ctx_at is not None and ctx_at < len(literals) else ""
        for i in ids_at:
            if i < len(literals) and literals[i]:
                yield context, literals[i], where


def app_messages(app: str) -> Iterator[Msg]:
    base = ROOT / app
    for path in sorted(base.rglob("*.py")):
        if "migrations" not in path.parts:
            yield from python_messages(path)
    for path in sorted(base.rglob("templates/**/*.html")):
        yield from template_messages(path)
    for path in sorted(base.rglob("templates/**/*.txt")):
        yield from template_messages(path)


def translated() -> set[tuple[str, str]]:
    done = set()
    for entry in polib.pofile(str(CATALOGUE)):
        if entry.obsolete or "fuzzy" in entry.flags:
            continue
        ok = all(entry.msgstr_plural.values()) if entry.msgid_plural else bool(entry.msgstr)
        if ok:
            done.add((entry.msgctxt or "", entry.msgid))
            if entry.msgid_plural:
                done.add((entry.msgctxt or "", entry.msgid_plural))
    return done


def missing(app: str) -> list[Msg]:
    done = translated()
    seen: dict[tuple[str, str], Msg] = {}
    for context, msgid, where in app_messages(app):
        if (context, msgid) not in done:
            seen.setdefault((context, msgid), (context, msgid, where))
    return list(seen.values())


def test_the_extractor_finds_python_and_template_texts() -> None:
    found = {msgid for _c, msgid, _w in app_messages("loans")}
    assert "Pinjaman" in found  # apps.py: gettext_lazy as _
    assert "Terima angsuran" in found  # a template's {% translate %}
    assert any("%(q)s" in msgid for msgid in found)  # a {% blocktranslate with q=… %}


@pytest.mark.parametrize("app", APPS)
def test_every_text_has_an_english_translation(app: str) -> None:
    gaps = missing(app)
    assert not gaps, f"{len(gaps)} tanpa terjemahan Inggris:\n" + "\n".join(
        f"  {where}: {msgid!r}" + (f" (konteks {context!r})" if context else "")
        for context, msgid, where in gaps
    )
