"""The interface's msgids as the code spells them, for catalogue-completeness tests.

Python: every call of a gettext function (``_``, ``_l``, ``gettext``, ``gettext_lazy``,
``ngettext``, ``pgettext`` …) with literal text, read with :mod:`ast` (so implicitly joined
strings come out whole, as xgettext sees them). Templates: every ``{% translate %}`` and
``{% blocktranslate %}`` node, read with Django's own template parser (variables as
``%(name)s``, as ``makemessages`` writes them).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

import polib
from django.conf import settings
from django.template import Engine
from django.template.base import Node
from django.templatetags.i18n import BlockTranslateNode, TranslateNode

ROOT = Path(__file__).resolve().parents[1]
SINGULAR = {"_", "_l", "gettext", "gettext_lazy", "gettext_noop"}
PLURAL = {"ngettext", "ngettext_lazy"}
CONTEXT = {"pgettext", "pgettext_lazy"}


def catalogue(language: str = "en") -> dict[tuple[str, str], polib.POEntry]:
    """The project's catalogue by (msgctxt, msgid)."""
    path = Path(settings.LOCALE_PATHS[0]) / language / "LC_MESSAGES" / "django.po"
    return {(e.msgctxt or "", e.msgid): e for e in polib.pofile(str(path))}


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _text(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def python_msgids(path: Path) -> Iterator[tuple[str, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = _name(node.func)
        if name in SINGULAR | PLURAL and (text := _text(node.args[0])):
            yield "", text
            if name in PLURAL and len(node.args) > 1 and (plural := _text(node.args[1])):
                yield "", plural
        elif name in CONTEXT and len(node.args) > 1:
            context, text = _text(node.args[0]), _text(node.args[1])
            if context is not None and text:
                yield context, text


def _nodes(nodelist: Iterable[Node]) -> Iterator[Node]:
    for node in nodelist:
        yield node
        for attr in getattr(node, "child_nodelists", ()):
            yield from _nodes(getattr(node, attr, None) or [])


def _tokens(tokens: list) -> str:
    return "".join(
        t.contents.replace("%", "%%") if t.token_type.name == "TEXT" else f"%({t.contents})s"
        for t in tokens
    )


def _context(expression: object) -> str:
    """A ``context "…"`` given to a tag: a FilterExpression or (blocktranslate) the string."""
    if expression is None:
        return ""
    var = getattr(expression, "var", expression)
    return str(getattr(var, "literal", var) or "")


def template_msgids(path: Path) -> Iterator[tuple[str, str]]:
    engine = Engine.get_default()
    template = engine.from_string(path.read_text(encoding="utf-8"))
    for node in _nodes(template.nodelist):
        if isinstance(node, TranslateNode):
            literal = node.filter_expression.var.literal
            context = _context(node.message_context)
            if isinstance(literal, str) and literal:
                yield context, literal
        elif isinstance(node, BlockTranslateNode):
            context = _context(node.message_context)
            text = _tokens(node.singular)
            if node.trimmed:
                text = " ".join(line.strip() for line in text.strip().splitlines()).strip()
            yield context, text
            if node.plural:
                yield context, _tokens(node.plural)


def msgids(apps: Iterable[str]) -> dict[tuple[str, str], str]:
    """Every (msgctxt, msgid) of the apps' code and templates, with where it was first seen."""
    found: dict[tuple[str, str], str] = {}
    for app in apps:
        for path in sorted((ROOT / app).rglob("*")):
            if "migrations" in path.parts or not path.is_file():
                continue
            if path.suffix == ".py":
                items = python_msgids(path)
            elif path.suffix in (".html", ".txt") and "templates" in path.parts:
                items = template_msgids(path)
            else:
                continue
            for key in items:
                found.setdefault(key, str(path.relative_to(ROOT)))
    return found


def untranslated(apps: Iterable[str], language: str = "en") -> list[str]:
    """The apps' msgids with no translation (or a fuzzy one) in the catalogue, with where."""
    po = catalogue(language)
    missing = []
    for (context, msgid), where in msgids(apps).items():
        entry = po.get((context, msgid))
        if entry is None or "fuzzy" in entry.flags or not entry.translated():
            missing.append(f"{where}: {msgid!r}" + (f" [{context}]" if context else ""))
    return sorted(missing)
