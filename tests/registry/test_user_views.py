"""The account pages and signing in safely: lockout per address, two-step codes, a password
that must be changed, the headers (CSP, no-store), and the staff pages' refusals."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pyotp
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client

from registry import user_services
from registry.models import Koperasi, Role, RoleGrant
from tests.factories import PASSWORD, staff_user

GOOD = "Matahari-Terbit-77"
ROOT = Path(settings.BASE_DIR)


def sign_in(client: Client, username: str, password: str = PASSWORD, ip: str = "10.1.1.1") -> Any:
    return client.post("/masuk/", {"username": username, "password": password}, REMOTE_ADDR=ip)


# --- lockout ----------------------------------------------------------------------------------


def test_guesses_spread_over_usernames_lock_the_address(koperasi: Koperasi) -> None:
    """Two wrong guesses for each of five usernames lock no username (five each are needed)
    but do lock the address, even for the right password; another address is not affected."""
    names = [f"kasir{i}" for i in range(5)]
    for name in names:
        staff_user(name, Role.KASIR, koperasi)
    client = Client()
    guesses = [name for name in names for _ in range(2)]
    for name in guesses[:-1]:
        assert sign_in(client, name, "salah-sekali", ip="10.9.9.9").status_code == 200
    # The tenth failure from the address locks it, as the fifth for one username does.
    assert sign_in(client, guesses[-1], "salah-sekali", ip="10.9.9.9").status_code == 429
    locked = sign_in(client, "kasir0", PASSWORD, ip="10.9.9.9")
    assert locked.status_code == 429
    assert "pengurus koperasi Anda" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    elsewhere = sign_in(Client(), "kasir0", PASSWORD, ip="10.2.2.2")
    assert elsewhere.status_code == 302


def test_one_username_locks_after_five_wrong_passwords(koperasi: Koperasi, kasir: Any) -> None:
    client = Client()
    for _ in range(4):
        assert sign_in(client, "kasir", "salah-sekali").status_code == 200
    assert sign_in(client, "kasir", "salah-sekali").status_code == 429
    assert sign_in(client, "kasir", PASSWORD).status_code == 429


def test_the_pengurus_unlocks_a_locked_kasir_from_kopdig(
    client: Client, koperasi: Koperasi, pengurus: Any, kasir: Any
) -> None:
    other = Client()
    for _ in range(5):
        sign_in(other, "kasir", "salah-sekali")
    assert sign_in(other, "kasir", PASSWORD).status_code == 429
    client.force_login(pengurus)
    page = client.get(f"/k/{koperasi.code}/pengguna/{kasir.pk}/")
    assert "Terkunci" in page.content.decode() and "Buka kunci masuk" in page.content.decode()
    client.post(f"/k/{koperasi.code}/pengguna/{kasir.pk}/", {"action": "unlock"})
    assert not AccessAttempt.objects.filter(username="kasir").exists()
    assert sign_in(other, "kasir", PASSWORD).status_code == 302


# --- first sign-in, two-step ---------------------------------------------------------------------


def test_a_new_account_must_change_its_password_first(
    client: Client, koperasi: Koperasi, pengurus: Any
) -> None:
    user_services.user_create(
        actor=pengurus,
        username="kasir.baru",
        full_name="Kasir Baru",
        password=GOOD,
        role=Role.KASIR,
        koperasi=koperasi,
    )
    response = sign_in(client, "kasir.baru", GOOD)
    assert response["Location"] == "/akun/"
    assert client.get(f"/k/{koperasi.code}/anggota/")["Location"] == "/akun/"
    changed = client.post(
        "/akun/",
        {"old_password": GOOD, "password1": "Bulan-Purnama-88", "password2": "Bulan-Purnama-88"},
    )
    assert changed.status_code == 302
    assert client.get(f"/k/{koperasi.code}/anggota/").status_code == 200


def test_two_step_sign_in_asks_for_the_code(
    client: Client, pengurus: Any, koperasi: Koperasi
) -> None:
    secret = user_services.totp_begin(user=pengurus)
    user_services.totp_enable(user=pengurus, code=pyotp.TOTP(secret).now())
    response = sign_in(client, "pengurus", PASSWORD)
    assert response["Location"] == "/masuk/kode/"
    # The password alone opens nothing.
    assert client.get(f"/k/{koperasi.code}/").status_code == 302
    wrong = client.post("/masuk/kode/", {"code": "000000"})
    assert "Kode salah" in wrong.content.decode()
    assert AccessAttempt.objects.filter(username="pengurus").exists()
    # The code after the one used to turn it on (a code is taken once).
    ok = client.post("/masuk/kode/", {"code": pyotp.TOTP(secret).at(time.time() + 30)})
    assert ok.status_code == 302
    assert client.get(f"/k/{koperasi.code}/").status_code == 200


def test_forgotten_password_page_sets_a_new_password(
    client: Client, pengurus: Any, kasir: Any
) -> None:
    code = user_services.reset_code_issue(actor=pengurus, user=kasir)
    page = client.get("/masuk/")
    assert "/lupa-sandi/" in page.content.decode()
    refused = client.post(
        "/lupa-sandi/",
        {"username": "kasir", "code": code, "password1": "pendek", "password2": "pendek"},
    )
    assert "terlalu pendek" in refused.content.decode()
    done = client.post(
        "/lupa-sandi/", {"username": "kasir", "code": code, "password1": GOOD, "password2": GOOD}
    )
    assert done["Location"] == "/masuk/"
    assert sign_in(client, "kasir", GOOD).status_code == 302


# --- the staff pages ----------------------------------------------------------------------------


def test_the_reset_code_is_shown_once_on_the_page(
    client: Client, koperasi: Koperasi, pengurus: Any, kasir: Any
) -> None:
    client.force_login(pengurus)
    url = f"/k/{koperasi.code}/pengguna/{kasir.pk}/"
    shown = client.post(url, {"action": "reset_code"})
    code = re.search(r"data-reset-code>([A-Z0-9-]+)<", shown.content.decode())
    assert code is not None
    assert "no-store" in shown["Cache-Control"]
    assert code.group(1) not in client.get(url).content.decode()


def test_no_one_raises_their_own_role_through_the_page(
    client: Client, koperasi: Koperasi, kasir: Any, pengurus: Any
) -> None:
    client.force_login(pengurus)
    client.post(
        f"/k/{koperasi.code}/pengguna/{pengurus.pk}/", {"action": "grant", "g-role": "pengawas"}
    )
    assert set(RoleGrant.objects.filter(user=pengurus).values_list("role", flat=True)) == {
        Role.PENGURUS
    }
    # A kasir cannot open the staff pages at all.
    client.force_login(kasir)
    assert client.get(f"/k/{koperasi.code}/pengguna/").status_code == 403
    assert (
        client.post(
            f"/k/{koperasi.code}/pengguna/{kasir.pk}/", {"action": "grant", "g-role": "pengurus"}
        ).status_code
        == 403
    )
    assert client.get("/dinas/pengguna/").status_code == 403


def test_a_pengurus_cannot_reach_another_koperasis_staff(
    client: Client, koperasi: Koperasi, other_koperasi: Koperasi, pengurus: Any
) -> None:
    outsider = staff_user("kasir.lain", Role.KASIR, other_koperasi)
    client.force_login(pengurus)
    url = f"/k/{koperasi.code}/pengguna/{outsider.pk}/"
    assert client.post(url, {"action": "grant", "g-role": "pengurus"}).status_code == 404
    assert client.get(f"/k/{other_koperasi.code}/pengguna/").status_code == 404
    assert not RoleGrant.objects.filter(user=outsider, role=Role.PENGURUS).exists()


def test_the_pengurus_creates_a_kasir_on_the_page(
    client: Client, koperasi: Koperasi, pengurus: Any
) -> None:
    client.force_login(pengurus)
    url = f"/k/{koperasi.code}/pengguna/"
    weak = client.post(
        url,
        {
            "full_name": "Rina",
            "username": "kasir.rina",
            "role": "kasir",
            "password1": "kopdig-demo",
            "password2": "kopdig-demo",
        },
    )
    assert "Kopdig" in weak.content.decode()
    made = client.post(
        url,
        {
            "full_name": "Rina",
            "username": "kasir.rina",
            "role": "kasir",
            "password1": GOOD,
            "password2": GOOD,
        },
    )
    assert made.status_code == 302
    assert "kasir.rina" in client.get(url).content.decode()


def test_the_dinas_admin_pages(client: Client, koperasi: Koperasi, dinas_admin: Any) -> None:
    client.force_login(dinas_admin)
    made = client.post(
        "/dinas/pengguna/",
        {
            "full_name": "Yohanes Bata",
            "username": "ketua.baru",
            "role": "pengurus",
            "koperasi": koperasi.code,
            "password1": GOOD,
            "password2": GOOD,
        },
    )
    assert made.status_code == 302
    listed = client.get("/dinas/pengguna/?q=ketua").content.decode()
    assert "ketua.baru" in listed and koperasi.name in listed


# --- headers ------------------------------------------------------------------------------------


def test_pages_carry_a_csp_without_inline_script(client: Client, pengurus: Any) -> None:
    response = client.get("/masuk/")
    csp = response["Content-Security-Policy"]
    script = re.search(r"script-src ([^;]+)", csp)
    assert script is not None and script.group(1).strip() == "'self'"
    assert "frame-ancestors 'none'" in csp


def test_signed_in_pages_are_not_stored(client: Client, koperasi: Koperasi, pengurus: Any) -> None:
    client.force_login(pengurus)
    response = client.get(f"/k/{koperasi.code}/anggota/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


TEMPLATE_DIRS = [p for p in ROOT.glob("*/templates") if ".venv" not in p.parts] + [
    ROOT / "kopdig" / "templates"
]


def test_no_template_has_inline_script() -> None:
    """The CSP refuses inline script: a template with one would silently stop working."""
    offenders = []
    for folder in TEMPLATE_DIRS:
        for path in folder.rglob("*.html"):
            text = path.read_text()
            for found in re.finditer(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+=|javascript:", text):
                offenders.append(f"{path.relative_to(ROOT)}: {found.group(0)}")
    assert offenders == []


def _settings_in(env: dict[str, str], expr: str) -> str:
    code = f"import django; django.setup(); from django.conf import settings as s; print({expr})"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "kopdig.settings", **env},
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return result.stdout.strip()


def test_production_switches_on_hsts_and_secure_cookies() -> None:
    expr = "s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE"
    assert _settings_in({"KOPDIG_PRODUCTION": "1"}, expr) == "31536000 True True"
    assert _settings_in({"KOPDIG_PRODUCTION": "0"}, expr) == "0 False False"
