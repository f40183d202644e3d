"""The messages a member receives, by template key.

A template is an Indonesian sentence with ``%(name)s`` fields (gettext: English msgstr in the
catalogue). The fields are filled from the outbox row's ``context``, already formatted
(``Rp1.500.000``, ``22/03/2022``) and holding no more than the sentence needs: never a NIK,
a full account number or a balance. One SMS is 160 GSM-7 characters; every template stays
within it with the longest values it can get (``tests/core/test_outbox_messages.py``).
"""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _

SMS_LIMIT = 160
# What a koperasi's name may take in a message (the rest is cut with "."): names run to 150
# characters in the registry, an SMS has 160 in all.
NAME_LIMIT = 28

# The GSM 03.38 default alphabet (plus the space): an SMS using only these is 160 characters
# long; one other character (an em dash, a bullet "•") turns the whole message into UCS-2 and
# it holds only 70.
GSM7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)

TEMPLATES: dict[str, Any] = {
    "savings.deposit": _(
        "%(k)s: Setoran %(amount)s ke rek. %(acct)s tgl %(date)s sudah diterima. "
        "Kode cek struk: %(code)s"
    ),
    "savings.withdraw": _(
        "%(k)s: Penarikan %(amount)s dari rek. %(acct)s tgl %(date)s. Kode cek struk: %(code)s"
    ),
    "savings.transfer": _(
        "%(k)s: Pindah buku %(amount)s dari rek. %(acct)s ke rek. %(to)s tgl %(date)s. "
        "Kode cek struk: %(code)s"
    ),
    # A payroll is one entry for every member in the file: its code would show the whole
    # batch, so a payroll message carries none.
    "savings.payroll": _(
        "%(k)s: Potong gaji tgl %(date)s sebesar %(amount)s sudah masuk ke simpanan Anda "
        "(%(accts)s)."
    ),
    "loans.disburse": _(
        "%(k)s: Pinjaman %(loan)s dicairkan %(date)s, diterima %(amount)s. Angsuran ke-1 tgl "
        "%(due)s. Kode cek: %(code)s"
    ),
    "loans.payroll": _(
        "%(k)s: Angsuran pinjaman %(loan)s %(amount)s lewat potong gaji tgl %(date)s diterima. "
        "Sisa pokok %(left)s."
    ),
    "loans.repay": _(
        "%(k)s: Pembayaran pinjaman %(loan)s %(amount)s tgl %(date)s diterima. "
        "Sisa pokok %(left)s. Kode cek: %(code)s"
    ),
    "loans.due_in": _(
        "%(k)s: Angsuran ke-%(n)s pinjaman %(loan)s sebesar %(amount)s jatuh tempo "
        "%(date)s (%(days)s hari lagi)."
    ),
    # Written before the koperasi chose its reminder days (always 3): kept so that a message
    # still waiting in the outbox can be sent.
    "loans.due_soon": _(
        "%(k)s: Angsuran ke-%(n)s pinjaman %(loan)s sebesar %(amount)s jatuh tempo "
        "%(date)s (3 hari lagi)."
    ),
    "loans.due_today": _(
        "%(k)s: Angsuran ke-%(n)s pinjaman %(loan)s sebesar %(amount)s jatuh tempo "
        "hari ini, %(date)s."
    ),
    "loans.overdue": _(
        "%(k)s: Angsuran pinjaman %(loan)s sebesar %(amount)s terlambat %(days)s hari "
        "(jatuh tempo %(date)s). Mohon segera dibayar."
    ),
    "loans.approved": _(
        "%(k)s: Pengajuan pinjaman %(loan)s sebesar %(amount)s DISETUJUI. "
        "Hubungi kasir untuk pencairan."
    ),
    "loans.refused": _(
        "%(k)s: Maaf, pengajuan pinjaman %(loan)s sebesar %(amount)s tidak disetujui. "
        "Keterangan di kantor koperasi."
    ),
    "portal.activation": _(
        "%(k)s: Kode aktivasi aplikasi anggota %(code)s, berlaku s.d. %(date)s. "
        "Jangan berikan kode ini kepada siapa pun."
    ),
    "savings.wajib_due": _(
        "%(k)s: Simpanan wajib %(months)s bulan belum dibayar, jumlah %(amount)s. "
        "Mohon dibayar di kasir."
    ),
}


class UnknownTemplate(KeyError):
    pass


def short_name(name: str) -> str:
    """The koperasi's name as a message starts with it, cut to :data:`NAME_LIMIT`."""
    name = " ".join(name.split())
    if len(name) <= NAME_LIMIT:
        return name
    return name[: NAME_LIMIT - 1].rstrip() + "."


def mask(number: str) -> str:
    """An account or loan number as a message shows it: its last four characters (``*4567``),
    in GSM-7 (a bullet would make the SMS UCS-2)."""
    number = number.strip()
    return "*" + number[-4:] if len(number) > 4 else number


def gsm7(text: str) -> str:
    """``text`` in the GSM-7 alphabet: a character outside it becomes its nearest plain one
    (Indonesian is plain Latin; this catches names typed with curly quotes or dashes)."""
    plain = {"—": "-", "–": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "•": "*", "…": "..."}
    return "".join(c if c in GSM7 else plain.get(c, "?") for c in text)


def render(template: str, context: dict[str, Any], *, language: str = "id") -> str:
    """The text of a message, in the member's language (Indonesian unless said otherwise)."""
    try:
        sentence = TEMPLATES[template]
    except KeyError:
        raise UnknownTemplate(template) from None
    with translation.override(language):
        return gsm7(str(sentence) % context)
