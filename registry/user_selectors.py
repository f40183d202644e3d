"""Reads about people: who works where, in what role, and whether they are locked out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from registry.models import KOPERASI_ROLES, AccountSecurity, Koperasi, Role, RoleGrant


@dataclass
class Person:
    user: Any
    grants: list[RoleGrant] = field(default_factory=list)
    locked: bool = False
    totp: bool = False

    @property
    def name(self) -> str:
        return str(self.user.get_full_name() or self.user.get_username())

    def roles_in(self, koperasi: Koperasi) -> list[str]:
        return [g.role for g in self.grants if g.koperasi_id == koperasi.pk]

    def role_labels(self) -> list[str]:
        return [
            Role(g.role).label + (f" · {g.koperasi.name}" if g.koperasi is not None else "")
            for g in self.grants
        ]


def _locked_usernames(usernames: list[str]) -> set[str]:
    since = timezone.now() - dt.timedelta(hours=float(settings.AXES_COOLOFF_TIME))
    return set(
        AccessAttempt.objects.filter(
            username__in=usernames,
            attempt_time__gte=since,
            failures_since_start__gte=int(settings.AXES_FAILURE_LIMIT),
        ).values_list("username", flat=True)
    )


def _people(users: Any) -> list[Person]:
    users_list = list(users)
    ids = [u.pk for u in users_list]
    grants: dict[int, list[RoleGrant]] = {}
    for g in (
        RoleGrant.objects.filter(user_id__in=ids)
        .select_related("koperasi")
        .order_by("koperasi__name", "role")
    ):
        grants.setdefault(g.user_id, []).append(g)
    locked = _locked_usernames([u.get_username() for u in users_list])
    totp = set(
        AccountSecurity.objects.filter(user_id__in=ids, totp_enabled_at__isnull=False).values_list(
            "user_id", flat=True
        )
    )
    return [
        Person(
            user=u,
            grants=grants.get(u.pk, []),
            locked=u.get_username() in locked,
            totp=u.pk in totp,
        )
        for u in users_list
    ]


def koperasi_staff(koperasi: Koperasi) -> list[Person]:
    """The kasir, pengawas and pengurus of ``koperasi``, active first, by name."""
    users = (
        get_user_model()
        .objects.filter(role_grants__koperasi=koperasi, role_grants__role__in=KOPERASI_ROLES)
        .distinct()
        .order_by("-is_active", "first_name", "last_name", "username")
    )
    return _people(users)


def staff_member(koperasi: Koperasi, user_id: int) -> Person | None:
    """One of ``koperasi``'s staff, or ``None`` (someone else's staff is not found)."""
    users = get_user_model().objects.filter(
        pk=user_id, role_grants__koperasi=koperasi, role_grants__role__in=KOPERASI_ROLES
    )
    found = _people(users.distinct())
    return found[0] if found else None


def district_people(query: str = "") -> QuerySet[Any]:
    """Everyone with an account, for the Dinas admin; ``query`` matches username or name."""
    users = get_user_model().objects.order_by("-is_active", "username")
    if query:
        users = users.filter(
            Q(username__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(role_grants__koperasi__name__icontains=query)
        ).distinct()
    return users


def people(users: Any) -> list[Person]:
    return _people(users)


def person(user_id: int) -> Person | None:
    found = _people(get_user_model().objects.filter(pk=user_id))
    return found[0] if found else None
