"""``{% receipt_qr k short_hash %}``: the QR code printed on a receipt, opening the koperasi's
public check of its verification code (``notify:check_code``), as inline SVG."""

from __future__ import annotations

from typing import Any

import segno
from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag(takes_context=True)
def receipt_qr(context: dict[str, Any], koperasi: Any, code: str) -> SafeString:
    if not code:
        return mark_safe("")
    path = reverse("notify:check_code", kwargs={"kode": koperasi.code, "receipt_code": code})
    request = context.get("request")
    url = request.build_absolute_uri(path) if request is not None else path
    svg = segno.make(url, error="m").svg_inline(scale=2, title=_("Cek struk ini"))
    return mark_safe(svg)
