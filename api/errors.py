"""Every refusal of the API as JSON in Indonesian: ``{"detail", "code", "errors"}``.

Pydantic's messages are English, so each validation error is told again by its type."""

from __future__ import annotations

from typing import Any

from axes.exceptions import AxesBackendPermissionDenied
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

# Service errors that mean "this key/request was used for something else" answer 409.
CONFLICT_CODES = {"idempotency_conflict", "idempotency_mismatch"}


def _field_message(error: dict[str, Any]) -> str:
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("Wajib diisi.")
    if kind in ("string_too_short",):
        return _("Terlalu pendek (paling sedikit %(n)s karakter).") % {
            "n": ctx.get("min_length", "")
        }
    if kind in ("string_too_long",):
        return _("Terlalu panjang (paling banyak %(n)s karakter).") % {
            "n": ctx.get("max_length", "")
        }
    if kind == "string_pattern_mismatch":
        return _("Bentuknya tidak sesuai.")
    if kind.startswith("int_") or kind.startswith("greater_than") or kind.startswith("less_than"):
        return _("Harus bilangan bulat dalam batas yang diizinkan.")
    if kind.startswith("bool"):
        return _("Harus true atau false.")
    if kind.startswith("date"):
        return _("Tanggal tidak valid (tulis YYYY-MM-DD).")
    if kind in ("literal_error", "enum"):
        return _("Pilihan tidak dikenal.")
    if kind.startswith("string") or kind.startswith("json") or kind == "model_attributes_type":
        return _("Bentuk data tidak valid.")
    return _("Nilai tidak valid.")


def _json(api: NinjaAPI, request: HttpRequest, status: int, detail: str, code: str, **more: Any):
    return api.create_response(request, {"detail": detail, "code": code, **more}, status=status)


def install(api: NinjaAPI) -> None:
    @api.exception_handler(NinjaValidationError)
    def invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors = [
            {
                "loc": [str(p) for p in e.get("loc", ())],
                "message": _field_message(e),
            }
            for e in exc.errors
        ]
        return _json(
            api,
            request,
            422,
            _("Data yang dikirim tidak valid; periksa isian yang ditandai."),
            "invalid",
            errors=errors,
        )

    @api.exception_handler(DjangoValidationError)
    def refused(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        # api.services.ApiError carries its own status (401, 403, 429).
        code = str(getattr(exc, "code", None) or "invalid")
        status = getattr(exc, "status", None) or (409 if code in CONFLICT_CODES else 422)
        return _json(api, request, status, " ".join(str(m) for m in exc.messages), code)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return _json(api, request, 404, _("Tidak ditemukan."), "not_found")

    @api.exception_handler(AuthenticationError)
    def unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return _json(
            api,
            request,
            401,
            _("Token tidak ada, salah, kedaluwarsa atau sudah dicabut. Masuk lagi."),
            "unauthorized",
        )

    @api.exception_handler(AxesBackendPermissionDenied)
    def locked(request: HttpRequest, exc: AxesBackendPermissionDenied) -> HttpResponse:
        return _json(
            api,
            request,
            429,
            _("Terlalu banyak percobaan masuk yang gagal. Coba lagi 15 menit lagi."),
            "locked",
        )

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return _json(
            api,
            request,
            403,
            _("Peran Anda di koperasi ini tidak mengizinkan tindakan ini."),
            "forbidden",
        )

    @api.exception_handler(Throttled)
    def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        return _json(
            api, request, 429, _("Terlalu banyak permintaan. Tunggu sebentar."), "throttled"
        )

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400:
            # django-ninja's only 400: a body that is not JSON ("Cannot parse request body").
            return _json(api, request, 400, _("Isi permintaan bukan JSON yang valid."), "body")
        return _json(api, request, exc.status_code, _("Permintaan tidak dapat diproses."), "error")
