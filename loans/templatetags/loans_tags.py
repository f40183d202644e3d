"""``{{ 150|bp_percent }}`` → ``1,5%``: basis points as an Indonesian percent."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

register = template.Library()


@register.filter
def bp_percent(value: Any) -> str:
    if value in (None, ""):
        return ""
    return format(Decimal(int(value)) / 100, "f").replace(".", ",") + "%"
