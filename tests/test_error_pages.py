"""Error pages: Indonesian, inside the layout with a way back; 500 never shows a trace."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpRequest
from django.test import Client, override_settings
from django.urls import include, path, reverse

from registry.models import Koperasi


def _boom(request: HttpRequest) -> Any:
    raise RuntimeError("rahasia-stack-trace")


def _bad(request: HttpRequest) -> Any:
    raise SuspiciousOperation("nope")


def _forbidden(request: HttpRequest) -> Any:
    raise PermissionDenied


@pytest.fixture
def failing_urls() -> str:
    module = types.ModuleType("tests_failing_urls")
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("", include("kopdig.urls")),
        path("rusak/", _boom),
        path("buruk/", _bad),
        path("terlarang/", _forbidden),
    ]
    module.handler400 = "kopdig.errors.bad_request"  # type: ignore[attr-defined]
    module.handler403 = "kopdig.errors.permission_denied"  # type: ignore[attr-defined]
    module.handler404 = "kopdig.errors.page_not_found"  # type: ignore[attr-defined]
    module.handler500 = "kopdig.errors.server_error"  # type: ignore[attr-defined]
    sys.modules["tests_failing_urls"] = module
    return "tests_failing_urls"


def test_404_in_indonesian_inside_the_layout(client: Any, kasir: Any) -> None:
    client.force_login(kasir)
    response = client.get("/tidak-ada/", HTTP_REFERER="http://testserver/k/x/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Halaman tidak ditemukan" in page
    assert 'class="brand"' in page  # the site's header
    assert "Kembali ke beranda" in page
    assert "Kembali ke halaman sebelumnya" in page


def test_another_koperasis_page_is_the_same_404(
    client: Any, kasir: Any, other_koperasi: Koperasi
) -> None:
    client.force_login(kasir)
    response = client.get(reverse("members:list", kwargs={"kode": other_koperasi.code}))
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in response.content.decode()
    assert other_koperasi.name not in response.content.decode()


def test_403_for_a_page_of_another_role(client: Any, kasir: Any, koperasi: Koperasi) -> None:
    client.force_login(kasir)
    response = client.get(reverse("savings:limits", kwargs={"kode": koperasi.code}))
    assert response.status_code == 403
    assert "Anda tidak berhak membuka halaman ini" in response.content.decode()


def test_csrf_failure_says_what_to_do(kasir: Any, koperasi: Koperasi) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(kasir)
    response = client.post(reverse("savings:session_open", kwargs={"kode": koperasi.code}), {})
    assert response.status_code == 403
    page = response.content.decode()
    assert "Formulir sudah kedaluwarsa" in page and "Muat ulang halaman" in page


def test_500_is_plain_and_never_shows_a_trace(failing_urls: str, kasir: Any) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(kasir)
    with override_settings(ROOT_URLCONF=failing_urls, DEBUG=False):
        response = client.get("/rusak/")
        assert response.status_code == 500
        page = response.content.decode()
        assert "Maaf, terjadi kesalahan di server" in page
        assert "Kembali ke beranda" in page
        assert "rahasia-stack-trace" not in page and "Traceback" not in page
        bad = client.get("/buruk/")
        assert bad.status_code == 400
        assert "Permintaan tidak dapat dibaca" in bad.content.decode()
        assert client.get("/terlarang/").status_code == 403
