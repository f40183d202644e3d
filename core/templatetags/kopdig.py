"""Template filters for amounts, dates and personal data, in the Indonesian way."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import formats

from core import money
from core.validators import mask_nik

register = template.Library()


@register.filter
def rupiah(value: Any, with_sen: bool = False) -> str:
    """``{{ amount|rupiah }}`` → ``Rp1.500.000``; ``{{ amount|rupiah:True }}`` with sen."""
    if value is None or value == "":
        return ""
    return money.format_rupiah(value, sen=bool(with_sen))


@register.filter
def terbilang(value: Any) -> str:
    return money.terbilang(value)


@register.filter(expects_localtime=True)
def tanggal(value: dt.date | None) -> str:
    """``22 Maret 2022`` in Indonesian, ``22 March 2022`` in English."""
    if not value:
        return ""
    return formats.date_format(value, "j F Y")


@register.filter
def nik_mask(value: str) -> str:
    return mask_nik(value or "")


@register.filter
def get_item(mapping: dict, key: Any) -> Any:
    return mapping.get(key, 0)
