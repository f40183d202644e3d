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


def staff_user(username: str, role: str, koperasi: Koperasi | None = None) -> Any:
    """A user holding ``role`` in ``koperasi`` (district-wide when ``koperasi`` is ``None``)."""
    user = UserFactory(username=username)
    grant(user, role, koperasi)
    return user


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


# --- savings -----------------------------------------------------------------------------------


class SavingsProducts:
    """A koperasi's savings products by kind: ``products.sukarela``."""

    def __init__(self, koperasi: Koperasi) -> None:
        self.koperasi = koperasi

    def __getattr__(self, kind: str) -> Any:
        from savings.models import Product

        product = Product.objects.filter(koperasi=self.koperasi, kind=kind).order_by("pk").first()
        if product is None:
            raise AttributeError(kind)
        return product


def savings_products(koperasi: Koperasi, actor: Any = None) -> SavingsProducts:
    """The usual KSP set (created once per koperasi, with its chart of accounts): pokok
    Rp100.000; wajib Rp50.000 a month; sukarela 3% daily balance, minimum Rp10.000; berjangka
    6% for 3/6/12 months, 10% of the interest as early-withdrawal penalty."""
    from decimal import Decimal

    from ledger.services import chart_setup
    from savings.models import Product
    from savings.services import product_create

    if Product.objects.filter(koperasi=koperasi).exists():
        return SavingsProducts(koperasi)
    chart_setup(koperasi=koperasi, actor=actor)
    start = dt.date(2020, 1, 1)
    common = {"koperasi": koperasi, "actor": actor, "effective_from": start}
    product_create(
        **common, code="SP", name="Simpanan Pokok", kind="pokok", pokok_amount=Decimal("100000")
    )
    product_create(
        **common,
        code="SW",
        name="Simpanan Wajib",
        kind="wajib",
        wajib_amount=Decimal("50000"),
        open_on_join=True,
    )
    product_create(
        **common,
        code="SS",
        name="Simpanan Sukarela",
        kind="sukarela",
        rate_percent=Decimal("3"),
        interest_method="harian",
        min_balance=Decimal("10000"),
        open_on_join=True,
    )
    product_create(
        **common,
        code="SB",
        name="Simpanan Berjangka",
        kind="berjangka",
        rate_percent=Decimal("6"),
        tenors=[3, 6, 12],
        early_penalty_percent=Decimal("10"),
        min_balance=Decimal("1000000"),
    )
    return SavingsProducts(koperasi)


def savings_account(koperasi: Koperasi, kind: str = "sukarela", member: Any = None) -> Any:
    """An open account of ``kind`` for a (new) member, no money in it."""
    from savings.services.products import open_account

    products = savings_products(koperasi)
    member = member or MemberFactory.create(koperasi=koperasi)
    return open_account(
        member=member,
        product=getattr(products, kind),
        actor=None,
        on=koperasi.business_date or dt.date(2025, 1, 1),
    )


# --- loans -------------------------------------------------------------------------------------


def loan_product(koperasi: Koperasi, actor: Any = None, code: str = "PU", **terms: Any) -> Any:
    """A general-purpose monthly loan product (created once per code and koperasi, with the
    chart of accounts): flat 1% a month, 3–36 months, Rp500.000–Rp50.000.000, provisi 1%,
    administrasi Rp25.000, denda 0,1% a day after 3 days."""
    from decimal import Decimal

    from ledger.services import chart_setup
    from loans.models import LoanProduct
    from loans.services import product_create

    found = LoanProduct.objects.filter(koperasi=koperasi, code=code).first()
    if found is not None:
        return found
    chart_setup(koperasi=koperasi, actor=actor)
    values: dict[str, Any] = {
        "method": "flat",
        "rate_percent": Decimal("1"),
        "rate_per": "bulan",
        "frequency": "bulanan",
        "min_tenor": 3,
        "max_tenor": 36,
        "min_amount": Decimal("500000"),
        "max_amount": Decimal("50000000"),
        "provisi_kind": "persen",
        "provisi_percent": Decimal("1"),
        "admin_kind": "tetap",
        "admin_amount": Decimal("25000"),
        "denda_kind": "persen",
        "denda_percent": Decimal("0.1"),
        **terms,
    }
    return product_create(
        koperasi=koperasi,
        actor=actor,
        code=code,
        name=f"Pinjaman {code}",
        effective_from=dt.date(2020, 1, 1),
        **values,
    )


def loan_staff(koperasi: Koperasi) -> tuple[Any, Any]:
    """A loan officer (kasir, the maker) and a pengurus (the checker) of ``koperasi``."""
    from registry.models import Role

    maker: Any = UserFactory(username=f"petugas-{koperasi.code}")
    if not RoleGrant.objects.filter(user=maker, koperasi=koperasi, role=Role.KASIR).exists():
        grant(maker, Role.KASIR, koperasi)
    checker: Any = UserFactory(username=f"pengurus-{koperasi.code}")
    if not RoleGrant.objects.filter(user=checker, koperasi=koperasi, role=Role.PENGURUS).exists():
        grant(checker, Role.PENGURUS, koperasi)
    return maker, checker


def disbursed_loan(
    koperasi: Koperasi,
    *,
    member: Any = None,
    product: Any = None,
    principal: Any = 10_000_000,
    tenor: int = 12,
    grace: int = 0,
    on: dt.date | None = None,
    via: str = "sukarela",
    session: Any = None,
    **terms: Any,
) -> Any:
    """A running loan made through the real services: applied for by a kasir, approved by a
    pengurus, disbursed (by default into the member's sukarela, so no drawer is needed).
    ``terms`` go to :func:`loan_product` when the product is made here."""
    from decimal import Decimal

    from loans import services

    savings_products(koperasi)
    product = product or loan_product(koperasi, **terms)
    member = member or MemberFactory.create(koperasi=koperasi)
    on = on or koperasi.business_date or dt.date(2025, 1, 1)
    maker, checker = loan_staff(koperasi)
    loan = services.loan_apply(
        koperasi=koperasi,
        member=member,
        product=product,
        principal=Decimal(principal),
        tenor=tenor,
        grace=grace,
        purpose="Modal usaha",
        collateral="BPKB motor",
        officer=maker,
        actor=maker,
        on=on,
    )
    loan = services.loan_approve(loan=loan, actor=checker, acknowledge_rate_cap=True)
    tx = services.loan_disburse(
        loan=loan,
        actor=maker,
        via=via,
        session=session,
        on=on,
        idempotency_key=f"disburse-{loan.pk}",
    )
    return type(loan).objects.get(pk=tx.loan_id)
