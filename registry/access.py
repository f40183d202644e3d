"""Who may see what: the tenancy rules, in one place.

Staff pages live under ``/k/<kode>/`` and are wrapped in :func:`koperasi_view`, which resolves
the koperasi from the URL *only among those the user holds a role in*; anything else is a 404,
so another tenant's pages and objects never answer with data. Views then pass
``request.koperasi`` to selectors, which take the koperasi explicitly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from registry.models import KOPERASI_ROLES, Koperasi, Role, RoleGrant

# Read access to a koperasi's own pages: its staff, and the konsultan assigned to it.
KOPERASI_READERS = (*KOPERASI_ROLES, Role.KONSULTAN)


def _grants(user: Any) -> list[RoleGrant]:
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_kopdig_grants", None)
    if cached is None:
        cached = list(RoleGrant.objects.filter(user=user).select_related("koperasi"))
        user._kopdig_grants = cached
    return cached


def district_roles(user: Any) -> set[str]:
    roles = {g.role for g in _grants(user) if g.koperasi_id is None}
    if getattr(user, "is_superuser", False):
        # The installation's first account (``kopdig createsuperuser``) is its Dinas admin.
        roles.add(Role.DINAS_ADMIN)
    return roles


def roles_in(user: Any, koperasi: Koperasi) -> set[str]:
    return {g.role for g in _grants(user) if g.koperasi_id == koperasi.pk}


def is_dinas(user: Any) -> bool:
    return bool(district_roles(user))


def is_dinas_admin(user: Any) -> bool:
    return Role.DINAS_ADMIN in district_roles(user)


def consultant_koperasi_ids(user: Any) -> set[int]:
    return {g.koperasi_id for g in _grants(user) if g.role == Role.KONSULTAN and g.koperasi_id}


def staff_koperasi(user: Any) -> list[Koperasi]:
    """The koperasi a person may act in as staff (or mentor as konsultan), by name."""
    seen: dict[int, Koperasi] = {}
    for g in _grants(user):
        if g.koperasi is not None and g.role in KOPERASI_READERS:
            seen[g.koperasi.pk] = g.koperasi
    return sorted(seen.values(), key=lambda k: k.name)


def registry_scope(user: Any) -> QuerySet[Koperasi]:
    """The part of the registry a person may read: all (Dinas), assigned (konsultan), none."""
    if is_dinas(user):
        return Koperasi.objects.all()
    ids = consultant_koperasi_ids(user)
    return Koperasi.objects.filter(pk__in=ids)


def can_read_registry(user: Any) -> bool:
    return is_dinas(user) or bool(consultant_koperasi_ids(user))


def koperasi_view(
    *roles: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorator for ``/k/<kode>/…`` views: 404 unless the user holds one of ``roles`` there.

    With no roles given, any staff role or the assigned konsultan may read.
    """
    allowed: Iterable[str] = roles or KOPERASI_READERS

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, kode: str, *args: Any, **kwargs: Any) -> HttpResponse:
            koperasi = next((k for k in staff_koperasi(request.user) if k.code == kode), None)
            if koperasi is None:
                raise Http404
            held = roles_in(request.user, koperasi)
            if not held & set(allowed):
                # The user works here but not in this capacity: say so, it is their own koperasi.
                raise PermissionDenied
            request.koperasi = koperasi  # type: ignore[attr-defined]
            request.roles = held  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def district_view(
    *, admin_only: bool = False, consultants: bool = True
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorator for the Dinas pages: Dinas roles, and konsultan (who see their own share)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if admin_only:
                ok = is_dinas_admin(user)
            else:
                ok = is_dinas(user) or (consultants and bool(consultant_koperasi_ids(user)))
            if not ok:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def context(request: HttpRequest) -> dict[str, Any]:
    """Template context: the koperasi being acted in and what the navigation may offer."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    koperasi = getattr(request, "koperasi", None)
    return {
        "current_koperasi": koperasi,
        "current_roles": getattr(request, "roles", set()),
        "nav_registry": can_read_registry(user),
        "nav_koperasi_count": len(staff_koperasi(user)),
        "nav_dinas_admin": is_dinas_admin(user),
        "nav_dinas": is_dinas(user),
        "nav_konsultan": bool(consultant_koperasi_ids(user)),
    }
