"""Accounts and roles: who may create, grant, revoke, reset and unlock whom; passwords that
pass Django's validators; one-time reset codes; two-step sign-in."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyotp
import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.models import AuditEvent
from registry import access, user_services
from registry.models import AccountSecurity, Koperasi, PasswordResetCode, Role, RoleGrant
from registry.user_services import UserError
from tests.factories import staff_user

GOOD = "Matahari-Terbit-77"


def fresh(user: Any) -> Any:
    """The user as a new request would see it (role grants are cached per object)."""
    return get_user_model().objects.get(pk=user.pk)


def roles_of(user: Any, koperasi: Koperasi | None = None) -> set[str]:
    return set(
        RoleGrant.objects.filter(user=user, koperasi=koperasi).values_list("role", flat=True)
    )


# --- creating accounts ------------------------------------------------------------------------


def test_a_pengurus_creates_a_kasir_of_their_koperasi(koperasi: Koperasi, pengurus: Any) -> None:
    user = user_services.user_create(
        actor=pengurus,
        username="kasir.rina",
        full_name="Rina Jehamat",
        password=GOOD,
        role=Role.KASIR,
        koperasi=koperasi,
    )
    assert user.check_password(GOOD) and user.first_name == "Rina"
    assert roles_of(user, koperasi) == {Role.KASIR}
    assert AccountSecurity.objects.get(user=user).must_change_password
    actions = set(AuditEvent.objects.filter(koperasi=koperasi).values_list("action", flat=True))
    assert {"user.create", "role.grant"} <= actions
    # The hash never reaches the audit trail.
    assert not AuditEvent.objects.filter(after__icontains="argon2").exists()


@pytest.mark.parametrize(
    ("password", "says"),
    [
        ("kasir.rina", "mirip"),  # the username itself
        ("Jehamat2024", "mirip"),  # the person's family name
        ("kopdig-demo", "Kopdig"),  # the demo's shared password
        ("pendek1", "terlalu pendek"),
        ("12345678901", "angka"),
        ("password123", "umum"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(
    koperasi: Koperasi, pengurus: Any, password: str, says: str
) -> None:
    with pytest.raises(UserError) as refused:
        user_services.user_create(
            actor=pengurus,
            username="kasir.rina",
            full_name="Rina Jehamat",
            password=password,
            role=Role.KASIR,
            koperasi=koperasi,
        )
    assert says in " ".join(refused.value.messages)
    assert not get_user_model().objects.filter(username="kasir.rina").exists()


def test_the_demo_password_passes_no_validator_outside_the_demo(kasir: Any) -> None:
    with pytest.raises(ValidationError):
        validate_password("kopdig-demo", kasir)
    with pytest.raises(ValidationError):
        validate_password("kasir", kasir)


def test_a_pengurus_cannot_create_or_grant_in_another_koperasi(
    koperasi: Koperasi, other_koperasi: Koperasi, pengurus: Any
) -> None:
    with pytest.raises(UserError, match="tidak berwenang"):
        user_services.user_create(
            actor=pengurus,
            username="penyusup",
            full_name="Penyusup",
            password=GOOD,
            role=Role.KASIR,
            koperasi=other_koperasi,
        )
    outsider = staff_user("kasir.lain", Role.KASIR, other_koperasi)
    with pytest.raises(UserError, match="tidak berwenang"):
        user_services.role_give(
            actor=pengurus, user=outsider, role=Role.PENGURUS, koperasi=other_koperasi
        )
    grant = RoleGrant.objects.get(user=outsider)
    with pytest.raises(UserError, match="tidak berwenang"):
        user_services.role_take(actor=pengurus, grant=grant)
    assert roles_of(outsider, other_koperasi) == {Role.KASIR}


def test_a_pengurus_grants_only_koperasi_roles(
    koperasi: Koperasi, pengurus: Any, kasir: Any
) -> None:
    for role, where in ((Role.KONSULTAN, koperasi), (Role.DINAS_ADMIN, None)):
        with pytest.raises(UserError, match="tidak berwenang"):
            user_services.role_give(actor=pengurus, user=kasir, role=role, koperasi=where)
    user_services.role_give(actor=pengurus, user=kasir, role=Role.PENGAWAS, koperasi=koperasi)
    assert roles_of(kasir, koperasi) == {Role.KASIR, Role.PENGAWAS}


@pytest.mark.parametrize("holder", ["kasir", "pengawas", "pengurus", "dinas_admin"])
def test_nobody_raises_their_own_role(
    request: pytest.FixtureRequest, koperasi: Koperasi, holder: str
) -> None:
    me = request.getfixturevalue(holder)
    before = set(RoleGrant.objects.filter(user=me).values_list("role", "koperasi_id"))
    for role in (Role.PENGURUS, Role.PENGAWAS, Role.KASIR):
        with pytest.raises(UserError):
            user_services.role_give(actor=me, user=me, role=role, koperasi=koperasi)
    with pytest.raises(UserError):
        user_services.role_give(actor=me, user=me, role=Role.DINAS_ADMIN, koperasi=None)
    assert set(RoleGrant.objects.filter(user=me).values_list("role", "koperasi_id")) == before


def test_kasir_and_pengawas_manage_nobody(
    koperasi: Koperasi, kasir: Any, pengawas: Any, pengurus: Any
) -> None:
    with pytest.raises(UserError, match="tidak berwenang"):
        user_services.role_give(actor=kasir, user=pengawas, role=Role.KASIR, koperasi=koperasi)
    with pytest.raises(UserError, match="tidak berwenang"):
        user_services.reset_code_issue(actor=pengawas, user=kasir)
    with pytest.raises(UserError, match="tidak berwenang"):
        user_services.user_set_active(actor=kasir, user=pengurus, active=False)


def test_a_pengurus_never_revokes_their_own_pengurus_role(
    koperasi: Koperasi, pengurus: Any
) -> None:
    grant = RoleGrant.objects.get(user=pengurus, role=Role.PENGURUS)
    with pytest.raises(UserError, match="pengurus Anda sendiri"):
        user_services.role_take(actor=pengurus, grant=grant)
    assert roles_of(pengurus, koperasi) == {Role.PENGURUS}


def test_another_pengurus_or_the_dinas_revokes_a_pengurus(
    koperasi: Koperasi, pengurus: Any, dinas_admin: Any
) -> None:
    second = staff_user("pengurus.dua", Role.PENGURUS, koperasi)
    user_services.role_take(
        actor=pengurus, grant=RoleGrant.objects.get(user=second, role=Role.PENGURUS)
    )
    assert roles_of(second, koperasi) == set()
    user_services.role_take(
        actor=dinas_admin, grant=RoleGrant.objects.get(user=pengurus, role=Role.PENGURUS)
    )
    assert roles_of(pengurus, koperasi) == set()
    assert AuditEvent.objects.filter(action="role.revoke").count() == 2


def test_the_dinas_admin_creates_a_first_pengurus_and_a_konsultan(
    koperasi: Koperasi, dinas_admin: Any
) -> None:
    pengurus = user_services.user_create(
        actor=dinas_admin,
        username="ketua.baru",
        full_name="Yohanes Bata",
        password=GOOD,
        role=Role.PENGURUS,
        koperasi=koperasi,
    )
    konsultan = user_services.user_create(
        actor=dinas_admin,
        username="pendamping.baru",
        full_name="Maria Ngala",
        password=GOOD,
        role=Role.KONSULTAN,
        koperasi=koperasi,
    )
    assert roles_of(pengurus, koperasi) == {Role.PENGURUS}
    assert roles_of(konsultan, koperasi) == {Role.KONSULTAN}
    with pytest.raises(UserError, match="Peran Dinas"):
        user_services.user_create(
            actor=dinas_admin,
            username="tanpa.koperasi",
            full_name="Tanpa Koperasi",
            password=GOOD,
            role=Role.PENGURUS,
        )


def test_the_first_superuser_is_the_dinas_admin(db: Any) -> None:
    root = get_user_model().objects.create_superuser("admin.pertama", password=GOOD)
    assert access.is_dinas_admin(root)


# --- managing a person -------------------------------------------------------------------------


def test_a_pengurus_cannot_reset_someone_who_also_works_elsewhere(
    koperasi: Koperasi, other_koperasi: Koperasi, pengurus: Any, dinas_admin: Any
) -> None:
    both = staff_user("kasir.dua.tempat", Role.KASIR, koperasi)
    RoleGrant.objects.create(user=both, role=Role.KASIR, koperasi=other_koperasi)
    with pytest.raises(UserError, match="tidak berwenang"):
        user_services.reset_code_issue(actor=pengurus, user=both)
    assert user_services.reset_code_issue(actor=dinas_admin, user=both)


def test_deactivated_staff_cannot_sign_in(client: Any, pengurus: Any, kasir: Any) -> None:
    with pytest.raises(UserError, match="akun Anda sendiri"):
        user_services.user_set_active(actor=pengurus, user=pengurus, active=False)
    user_services.user_set_active(actor=pengurus, user=kasir, active=False)
    from tests.factories import PASSWORD

    response = client.post("/masuk/", {"username": "kasir", "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    user_services.user_set_active(actor=pengurus, user=fresh(kasir), active=True)
    assert AuditEvent.objects.filter(action__in=["user.deactivate", "user.activate"]).count() == 2


# --- passwords and reset codes ----------------------------------------------------------------


def test_changing_ones_own_password(kasir: Any) -> None:
    from tests.factories import PASSWORD

    AccountSecurity.objects.create(user=kasir, must_change_password=True)
    with pytest.raises(UserError, match="lama salah"):
        user_services.password_change(user=kasir, old_password="salah", new_password=GOOD)
    with pytest.raises(UserError, match="pendek"):
        user_services.password_change(user=kasir, old_password=PASSWORD, new_password="pendek")
    user_services.password_change(user=kasir, old_password=PASSWORD, new_password=GOOD)
    assert fresh(kasir).check_password(GOOD)
    assert not user_services.must_change_password(kasir)


def test_a_reset_code_is_shown_once_kept_hashed_and_works_once(pengurus: Any, kasir: Any) -> None:
    code = user_services.reset_code_issue(actor=pengurus, user=kasir)
    assert len(code) == 9 and code[4] == "-"
    stored = PasswordResetCode.objects.get(user=kasir)
    assert code not in stored.code_hash and code.replace("-", "") not in stored.code_hash
    # Typed in lower case, without the dash, as people do.
    user_services.password_reset_with_code(
        username="KASIR", code=code.replace("-", "").lower(), new_password=GOOD
    )
    assert fresh(kasir).check_password(GOOD)
    with pytest.raises(UserError, match="tidak berlaku"):
        user_services.password_reset_with_code(
            username="kasir", code=code, new_password="Bulan-Purnama-88"
        )
    assert fresh(kasir).check_password(GOOD)
    assert AuditEvent.objects.filter(action="user.password_reset", actor=kasir).exists()


def test_a_reset_code_expires_and_a_newer_one_voids_it(pengurus: Any, kasir: Any) -> None:
    old = user_services.reset_code_issue(actor=pengurus, user=kasir)
    new = user_services.reset_code_issue(actor=pengurus, user=kasir)
    with pytest.raises(UserError):
        user_services.password_reset_with_code(username="kasir", code=old, new_password=GOOD)
    PasswordResetCode.objects.filter(user=kasir, voided_at=None).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    with pytest.raises(UserError):
        user_services.password_reset_with_code(username="kasir", code=new, new_password=GOOD)


def test_wrong_guesses_void_a_reset_code(pengurus: Any, kasir: Any) -> None:
    code = user_services.reset_code_issue(actor=pengurus, user=kasir)
    for _ in range(user_services.RESET_CODE_MAX_TRIES):
        with pytest.raises(UserError):
            user_services.password_reset_with_code(
                username="kasir", code="AAAA-AAAA", new_password=GOOD
            )
    with pytest.raises(UserError):
        user_services.password_reset_with_code(username="kasir", code=code, new_password=GOOD)


def test_a_reset_code_still_needs_a_good_password(pengurus: Any, kasir: Any) -> None:
    code = user_services.reset_code_issue(actor=pengurus, user=kasir)
    with pytest.raises(UserError, match="mirip"):
        user_services.password_reset_with_code(username="kasir", code=code, new_password="kasir123")
    # The code was not spent by a refused password.
    user_services.password_reset_with_code(username="kasir", code=code, new_password=GOOD)


def test_unlocking_clears_the_failed_sign_ins(pengurus: Any, kasir: Any) -> None:
    AccessAttempt.objects.create(
        username="kasir",
        ip_address="10.0.0.9",
        user_agent="uji",
        failures_since_start=5,
        get_data="",
        post_data="",
        http_accept="",
        path_info="/masuk/",
    )
    assert user_services.login_unlock(actor=pengurus, user=kasir) == 1
    assert not AccessAttempt.objects.filter(username="kasir").exists()
    assert AuditEvent.objects.filter(action="user.unlock").exists()


# --- two-step sign-in --------------------------------------------------------------------------


def test_two_step_sign_in_for_pengurus_and_dinas_admin_only(
    pengurus: Any, kasir: Any, dinas_admin: Any
) -> None:
    assert user_services.totp_available(pengurus)
    assert user_services.totp_available(dinas_admin)
    assert not user_services.totp_available(kasir)
    with pytest.raises(UserError):
        user_services.totp_begin(user=kasir)


def test_turning_on_two_step_and_a_code_taken_once(pengurus: Any) -> None:
    secret = user_services.totp_begin(user=pengurus)
    with pytest.raises(UserError, match="Kode salah"):
        user_services.totp_enable(user=pengurus, code="000000")
    code = pyotp.TOTP(secret).now()
    user_services.totp_enable(user=pengurus, code=code)
    assert user_services.totp_enabled(pengurus)
    # The code just used is not accepted again (someone watching over the shoulder).
    assert not user_services.totp_check(user=pengurus, code=code)
    with pytest.raises(UserError, match="salah"):
        user_services.totp_disable(actor=pengurus, user=pengurus, password="salah")
    from tests.factories import PASSWORD

    user_services.totp_disable(actor=pengurus, user=pengurus, password=PASSWORD)
    assert not user_services.totp_enabled(pengurus)
