"""Audit actions are words: every action code the code base records has an Indonesian label."""

from __future__ import annotations

import re
from pathlib import Path

from django.utils import translation

from core import audit_labels

ROOT = Path(__file__).resolve().parents[2]
APPS = ["core", "registry", "ledger", "members", "savings", "loans", "closing", "dashboard"]
# action="app.name", and action="a.b" if … else "a.c"
LITERAL = re.compile(r"\baction=\"([a-z_]+\.[a-z_]+)\"(?: if .*? else \"([a-z_]+\.[a-z_]+)\")?")
# Codes made at run time: constants passed to an audit helper, an f-string, a parameter.
DYNAMIC = {
    "loans.disburse",  # loans.services._common.audit_tx(actor, DISBURSE, …)
    "loans.repay",
    "loans.settle",
    "loans.restructure",
    "loans.writeoff",
    "loans.recover",
    "loans.refuse",  # f"loans.{'refuse' if … else 'cancel'}"
    "loans.cancel",
    "loans.grade_override",  # _set_override(…, action)
    "loans.grade_override_clear",
    "savings.deposit",  # savings.services.counter._audit_tx(actor, kind, …)
    "savings.withdraw",
    "savings.transfer",
}


def _codes_in_code() -> set[str]:
    codes: set[str] = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for found in LITERAL.findall(path.read_text(encoding="utf-8")):
                codes |= {c for c in found if c}
    return codes


def test_every_action_the_code_records_has_a_label() -> None:
    codes = _codes_in_code()
    assert {"savings.vault_in", "savings.vault_out", "user.deactivate", "ledger.post"} <= codes
    assert sorted((codes | DYNAMIC) - set(audit_labels.ACTION_LABELS)) == []


def test_the_dynamic_codes_are_still_made_by_the_code() -> None:
    """The list above is not a fossil: each code is still spelt somewhere in the code."""
    text = "\n".join(
        p.read_text(encoding="utf-8") for app in APPS for p in (ROOT / app).rglob("*.py")
    )
    for code in DYNAMIC:
        app, name = code.split(".")
        assert f'"{code}"' in text or f"'{name}'" in text, code


def test_an_unknown_code_is_named_as_such_and_labels_translate() -> None:
    with translation.override("id"):
        assert audit_labels.action_label("savings.vault_in") == "Kas diambil dari brankas"
        assert audit_labels.action_label("x.new") == "Tindakan lain (x.new)"
    with translation.override("en"):
        assert audit_labels.action_label("savings.vault_in") == "Cash taken from the vault"


def test_values_read_as_rupiah_choices_and_masked_nik() -> None:
    with translation.override("id"):
        rows = audit_labels.changes(
            "registry.Koperasi",
            {"status": "aktif", "name": "A"},
            {"status": "bubar", "name": "B", "amount": "1500000.00", "nik": "5315014101900001"},
        )
        by_label = {c.label: c for c in rows}
        assert by_label["Status"].before == "Aktif" and by_label["Status"].after == "Bubar"
        assert by_label["Nama"].after == "B" and by_label["Jumlah"].after == "Rp1.500.000"
        assert by_label["Nik"].after == "5315•••••••••001"
        (when,) = audit_labels.changes("registry.Koperasi", None, {"changed_on": "2022-03-22"})
        assert (when.label, when.after) == ("Tanggal perubahan", "22 Maret 2022")
