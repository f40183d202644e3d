"""A migration's entries as a sub-ledger's (see :mod:`ledger.subledgers`).

The opening entries of an import (``migration.*``) move the savings and loan control accounts
together with the members' accounts and loans the import created. Reversing one from the ledger
alone would leave those balances as they were, so the generic reversal refuses them: a batch is
undone whole, by :func:`migration.services.revert`. The control accounts themselves belong to the
savings and loans sub-ledgers, which reconcile them; this one declares none.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from ledger.subledgers import SubLedger, register

NAME = "migration"


def _label() -> str:
    return _("migrasi data")


def _undo_page() -> str:
    return _("halaman Migrasi data: Batalkan impor (seluruh batch)")


def register_subledger() -> None:
    register(
        SubLedger(
            name=NAME,
            label=_label,
            kind_prefixes=("migration.",),
            undo_page=_undo_page,
            control_accounts=lambda koperasi: {},
            reconcile=lambda koperasi: [],
        )
    )
