"""Entry kinds are words in the journal: every kind the code posts has an Indonesian label."""

from __future__ import annotations

import re
from pathlib import Path

from django.utils import translation

from ledger import reports

ROOT = Path(__file__).resolve().parents[2]
APPS = ["core", "registry", "ledger", "members", "savings", "loans"]
# kind="app.name" given to a post; audit actions are action="…" and are not entry kinds.
POSTED = re.compile(r"\bkind=\"([a-z_]+\.[a-z_]+)\"")
NAMED = re.compile(r"^[A-Z_]*KIND = \"([a-z_.]+)\"", re.M)


def _kinds_in_code() -> set[str]:
    kinds: set[str] = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            kinds |= set(POSTED.findall(text)) | set(NAMED.findall(text))
    return kinds


def test_every_kind_the_code_posts_has_a_label() -> None:
    kinds = _kinds_in_code()
    assert {"savings.counter_day", "savings.member_join", "savings.void"} <= kinds
    assert sorted(kinds - set(reports.KIND_LABELS)) == []


def test_labels_are_words_and_unknown_kinds_do_not_show_codes() -> None:
    with translation.override("id"):
        assert reports.kind_label("savings.counter_day") == "Transaksi kasir harian"
        assert reports.kind_label("something.new") == "Transaksi lain"
    with translation.override("en"):
        assert "." not in reports.kind_label("savings.counter_day")
