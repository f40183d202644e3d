"""Demo members who use the app: activated through the same code-and-PIN path as anyone.

In KSP Sinar Harapan Bajo: one member behind on a loan, one paying on time, one saver without a
loan. Their phone numbers are printed by ``kopdig demo`` and listed in the README; the PIN is
:data:`DEMO_PIN` for all three.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from core.validators import phone_display
from loans.models import Loan, LoanStatus
from members.models import Member
from portal import services
from portal.models import MemberLogin
from registry.models import Koperasi

DEMO_PIN = "147258"
KOPERASI = "ksp-bajo"


def _first(members: Any) -> Member | None:
    return members.exclude(phone="").order_by("number").first()


def _chosen(koperasi: Koperasi) -> list[tuple[Member, str]]:
    active = Member.objects.filter(koperasi=koperasi, status=Member.Status.AKTIF)
    running = Loan.objects.filter(koperasi=koperasi, status=LoanStatus.AKTIF)
    found = [
        (
            _first(active.filter(pk__in=running.filter(days_past_due__gt=0).values("member"))),
            "pinjaman menunggak",
        ),
        (
            _first(active.filter(pk__in=running.filter(days_past_due=0).values("member"))),
            "pinjaman lancar",
        ),
        (_first(active.exclude(pk__in=Loan.objects.values("member"))), "penabung"),
    ]
    return [(m, what) for m, what in found if m is not None]


def step_members_app(demo: Any) -> str | None:
    koperasi = Koperasi.objects.filter(code=KOPERASI).first()
    kasir = get_user_model().objects.filter(username="kasir.bajo").first()
    if koperasi is None or kasir is None:
        return None
    existing = list(
        MemberLogin.objects.filter(koperasi=koperasi).select_related("member").order_by("pk")
    )
    made = 0
    if not existing:
        for member, _what in _chosen(koperasi):
            code = services.issue_activation_code(member=member, actor=kasir)
            login = services.activate(
                phone=member.phone,
                member_number=member.number,
                code=code,
                pin=DEMO_PIN,
                pin_again=DEMO_PIN,
            )
            existing.append(login)
            made += 1
    for login in existing:
        demo.logins.append(
            (
                f"/app/ HP {phone_display(login.phone)} PIN {DEMO_PIN}",
                f"anggota {login.member.full_name} ({KOPERASI})",
            )
        )
    return f"{made} anggota memakai aplikasi anggota (PIN {DEMO_PIN})" if made else None


STEPS = [step_members_app]
