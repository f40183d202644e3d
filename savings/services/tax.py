"""Depositing the withheld PPh final on savings interest (setoran PPh Pasal 4 ayat 2).

The month end withholds each member's tax and credits ``utang_pajak``; what was withheld in a
masa (a calendar month) is deposited to the state treasury by the 15th of the next month
(PMK 81/2024 Pasal 94(2); when that day is a Saturday or Sunday, the next Monday). The deposit
is its own entry, Dr utang pajak / Cr bank or kas, with the NTPN printed on the receipt and the
date it was paid, recorded once per masa (:class:`~savings.models.TaxDeposit`, the database
refuses a second).

Amounts: a tax deposit is whole rupiah. The amount due is the masa's withheld total without its
sen (the sen left over go to the rounding account, ``pembulatan``, in the same entry). Another
amount (a billing code made for a different sum, a correction of an earlier masa) is accepted
only with the pengurus's reason; the entry then debits ``utang_pajak`` with what was paid, so the
difference stays visible in utang pajak and on the tax page.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from core import audit
from core.books import books_text
from core.dates import business_date
from ledger.services import Line, post
from registry.models import Koperasi
from savings.models import TaxDeposit, TaxWithholding
from savings.services._common import (
    ZERO,
    SavingsError,
    add_months,
    amount_of,
    existing_entry,
    month_start,
    role_account,
    rupiah,
    whole_rupiah,
)

DUE_DAY = 15
_NTPN = re.compile(r"^[0-9A-Z]{16}$")


def tax_due_date(period: dt.date) -> dt.date:
    """The last day to deposit masa ``period``'s tax: the 15th of the next month, or the next
    Monday when that is a weekend. (National holidays are not known to Kopdig yet.)"""
    due = add_months(month_start(period), 1).replace(day=DUE_DAY)
    while due.weekday() >= 5:
        due += dt.timedelta(days=1)
    return due


def withheld_in(koperasi: Koperasi, period: dt.date) -> Decimal:
    """What was withheld from members' interest in masa ``period`` (to the sen)."""
    total = TaxWithholding.objects.filter(koperasi=koperasi, period=month_start(period)).aggregate(
        s=Sum("tax")
    )["s"]
    return total or ZERO


def amount_due(withheld: Decimal) -> Decimal:
    """The deposit for a masa that withheld ``withheld``: whole rupiah, the sen dropped."""
    return whole_rupiah(withheld)


def _clean_ntpn(ntpn: str) -> str:
    value = "".join(str(ntpn or "").split()).upper()
    if not _NTPN.match(value):
        raise SavingsError(
            _("NTPN harus 16 huruf/angka seperti tercetak pada bukti setor."),
            code="ntpn",
        )
    return value


@transaction.atomic
def tax_deposit(
    *,
    koperasi: Koperasi,
    period: dt.date,
    amount: Any,
    ntpn: str,
    paid_on: dt.date,
    actor: Any,
    via: str = "bank",
    reason: str = "",
    idempotency_key: str | None = None,
) -> TaxDeposit:
    """Record the deposit of masa ``period``'s withheld PPh and post its entry.

    Idempotent: a repeat with the same key, or of the same masa with the same NTPN, returns the
    first deposit. Refused: a second deposit of a masa, a masa with nothing withheld, a date
    before the masa's end or after today, an amount with sen, and an amount other than the
    amount due without a ``reason`` (see the module docstring).
    """
    if via not in ("kas", "bank"):
        raise SavingsError(_("Setoran pajak dibayar dari kas atau bank."), code="via")
    period = month_start(period)
    ntpn = _clean_ntpn(ntpn)
    if (entry := existing_entry(koperasi, idempotency_key)) is not None:
        found = TaxDeposit.objects.filter(koperasi=koperasi, entry=entry).first()
        if found is None:
            raise SavingsError(_("Kunci transaksi ini sudah dipakai untuk transaksi lain."))
        return found
    masa = f"{period:%m/%Y}"
    prior = TaxDeposit.objects.select_for_update().filter(koperasi=koperasi, period=period).first()
    if prior is not None:
        if prior.ntpn == ntpn:
            return prior
        raise SavingsError(
            _("PPh masa %(masa)s sudah disetor pada %(d)s (NTPN %(ntpn)s).")
            % {"masa": masa, "d": prior.paid_on.strftime("%d/%m/%Y"), "ntpn": prior.ntpn},
            code="already_deposited",
        )
    withheld = withheld_in(koperasi, period)
    if withheld <= 0:
        raise SavingsError(
            _("Tidak ada PPh yang dipotong pada masa %(masa)s; tidak ada yang perlu disetor.")
            % {"masa": masa},
            code="nothing_withheld",
        )
    masa_end = add_months(period, 1) - dt.timedelta(days=1)
    today = business_date(koperasi)
    if not isinstance(paid_on, dt.date) or paid_on < masa_end or paid_on > today:
        raise SavingsError(
            _("Tanggal setor harus antara %(a)s (akhir masa) dan %(b)s (tanggal buku).")
            % {"a": masa_end.strftime("%d/%m/%Y"), "b": today.strftime("%d/%m/%Y")},
            code="paid_on",
        )
    paid = amount_of(amount, label=_("Jumlah setoran"))
    if paid != whole_rupiah(paid):
        raise SavingsError(
            _("Setoran pajak dalam rupiah penuh, tanpa sen."), code="amount_not_whole"
        )
    due = amount_due(withheld)
    reason = " ".join(str(reason or "").split())
    if paid != due and not reason:
        raise SavingsError(
            _(
                "PPh yang dipotong masa %(masa)s %(w)s, jadi yang disetor %(due)s. Jumlah lain "
                "(%(paid)s) hanya dapat dicatat dengan alasannya."
            )
            % {"masa": masa, "w": rupiah(withheld), "due": rupiah(due), "paid": rupiah(paid)},
            code="amount_mismatch",
        )
    utang = role_account(koperasi, "utang_pajak")
    lines = [Line(role_account(koperasi, via), credit=paid)]
    if paid == due:
        lines.append(Line(utang, debit=withheld))
        if withheld != due:
            lines.append(Line(role_account(koperasi, "pembulatan"), credit=withheld - due))
    else:
        lines.append(Line(utang, debit=paid))
    entry = post(
        koperasi=koperasi,
        lines=lines,
        kind="savings.tax_deposit",
        memo=books_text(
            "Setoran PPh final pasal 4(2) bunga simpanan masa %(masa)s, NTPN %(ntpn)s",
            masa=f"{period:%m/%Y}",
            ntpn=ntpn,
        ),
        actor=actor,
        value_date=paid_on,
        idempotency_key=idempotency_key,
        source=f"savings.TaxDeposit:{period.isoformat()}",
    )
    try:
        with transaction.atomic():
            deposit = TaxDeposit.objects.create(
                koperasi=koperasi,
                period=period,
                withheld=withheld,
                amount=paid,
                ntpn=ntpn,
                paid_on=paid_on,
                via=via,
                note=reason[:250],
                entry=entry,
                actor=actor if getattr(actor, "is_authenticated", False) else None,
            )
    except IntegrityError:
        raise SavingsError(
            _("NTPN %(ntpn)s sudah dipakai untuk setoran lain.") % {"ntpn": ntpn}, code="ntpn_used"
        ) from None
    audit.record(
        actor=actor,
        action="savings.tax_deposit",
        obj=deposit,
        after={
            "masa": period.isoformat(),
            "withheld": str(withheld),
            "amount": str(paid),
            "ntpn": ntpn,
            "paid_on": paid_on.isoformat(),
            "via": via,
            "entry": entry.number,
        },
        note=reason,
    )
    return deposit


__all__ = ["amount_due", "tax_deposit", "tax_due_date", "withheld_in"]
