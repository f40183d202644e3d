"""Time as people in a koperasi read it: their zone (WITA by default) and Indonesian dates."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

DEFAULT_TZ = "Asia/Makassar"

BULAN = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
]


ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def zone_name(tz_name: str) -> str:
    """``WITA`` for ``Asia/Makassar``: how Indonesians name their three time zones."""
    return ZONE_NAMES.get(tz_name, tz_name)


def local_now(tz_name: str = DEFAULT_TZ) -> dt.datetime:
    return timezone.now().astimezone(ZoneInfo(tz_name))


def local_today(tz_name: str = DEFAULT_TZ) -> dt.date:
    return local_now(tz_name).date()


def tanggal(value: dt.date) -> str:
    """``22 Maret 2022`` (for documents that are always Indonesian, such as receipts)."""
    return f"{value.day} {BULAN[value.month - 1]} {value.year}"


def business_date(koperasi: object) -> dt.date:
    """The koperasi's business date: what its books call today.

    It is kept on the koperasi and advanced by the close of business, separately from the wall
    clock; a koperasi that has never closed a day uses today's date in its own zone.
    """
    stored = getattr(koperasi, "business_date", None)
    if stored is not None:
        return stored
    return local_today(getattr(koperasi, "timezone", DEFAULT_TZ) or DEFAULT_TZ)
