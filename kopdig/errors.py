"""The error pages: in Indonesian, inside the site's layout, with a way back.

400, 403, 404 and the CSRF refusal render ``errors/_page.html`` (the normal layout, so the
person keeps their menu). The 500 page is a plain file read as it is: it uses no template
tag, no context and no database, so it cannot fail while the site is failing, and it never
shows a stack trace.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

PLAIN_500 = Path(__file__).resolve().parent / "templates" / "500.html"
FALLBACK_500 = (
    "<!doctype html><title>Kesalahan</title><p>Maaf, terjadi kesalahan di server. "
    "<a href='/'>Kembali ke beranda</a></p>"
)


def _back(request: HttpRequest) -> str:
    """The page the person came from, when it is on this site."""
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return ""


def _page(request: HttpRequest, status: int, heading: str, explanation: str) -> HttpResponse:
    return render(
        request,
        "errors/_page.html",
        {"heading": heading, "explanation": explanation, "code": status, "back": _back(request)},
        status=status,
    )


def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _page(
        request,
        400,
        _("Permintaan tidak dapat dibaca"),
        _("Isian atau alamat halaman tidak sesuai. Periksa lagi lalu coba kembali."),
    )


def permission_denied(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _page(
        request,
        403,
        _("Anda tidak berhak membuka halaman ini"),
        _(
            "Halaman ini untuk peran lain di koperasi Anda. Bila Anda perlu membukanya, minta "
            "pengurus koperasi menambahkan peran untuk Anda."
        ),
    )


def page_not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _page(
        request,
        404,
        _("Halaman tidak ditemukan"),
        _(
            "Alamat ini tidak ada, atau datanya bukan milik koperasi Anda. Periksa alamatnya, "
            "atau mulai lagi dari beranda."
        ),
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _page(
        request,
        403,
        _("Formulir sudah kedaluwarsa"),
        _(
            "Halaman ini dibuka terlalu lama atau Anda sudah keluar dan masuk lagi, sehingga "
            "isian tidak dapat diterima demi keamanan. Muat ulang halaman, lalu kirim lagi. "
            "Tidak ada data yang tersimpan."
        ),
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """The plain 500 page; if even reading it fails, one line of HTML."""
    try:
        body = PLAIN_500.read_text(encoding="utf-8")
    except OSError:
        body = FALLBACK_500
    return HttpResponseServerError(body, content_type="text/html; charset=utf-8")
