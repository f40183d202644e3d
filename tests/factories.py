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
