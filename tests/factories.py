"""Factories for the objects tests need; each app's later factories go here too."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from django.contrib.auth import get_user_model

from registry.models import Koperasi, Region, RoleGrant

PASSWORD = "rahasia-uji-123"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"pengguna{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj: Any, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            obj.save()


def kecamatan(code: str = "53.15.05") -> Region:
    return Region.objects.get(code=code)


class KoperasiFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Koperasi

    name = factory.Sequence(lambda n: f"KSP Uji {n}")
    code = factory.Sequence(lambda n: f"uji-{n}")
    kind = Koperasi.Kind.SIMPAN_PINJAM
    kecamatan = factory.LazyFunction(kecamatan)
    founded_on = dt.date(2010, 1, 1)
    status = Koperasi.Status.AKTIF


def grant(user: Any, role: str, koperasi: Koperasi | None = None) -> RoleGrant:
    return RoleGrant.objects.create(user=user, role=role, koperasi=koperasi)


# --- members -----------------------------------------------------------------------------------


def make_nik(birth_date: dt.date, gender: str, serial: int, region: str = "531505") -> str:
    """A NIK that decodes to ``birth_date``/``gender`` (women: day + 40)."""
    day = birth_date.day + (40 if gender == "P" else 0)
    return f"{region}{day:02d}{birth_date:%m%y}{serial % 9999 + 1:04d}"


class MemberFactory(factory.django.DjangoModelFactory):
    """A member written straight to the table (no service, no audit); number and NIK unique."""

    class Meta:
        model = "members.Member"

    koperasi = factory.SubFactory(KoperasiFactory)
    number = factory.Sequence(lambda n: f"{n + 1:05d}")
    full_name = factory.Sequence(lambda n: f"Anggota Uji {n}")
    birth_date = dt.date(1985, 3, 12)
    gender = "L"
    nik = factory.LazyAttributeSequence(lambda o, n: make_nik(o.birth_date, o.gender, n))
    join_date = dt.date(2020, 1, 6)
    status = "aktif"
