"""Pages for accounts: signing in (with the two-step code), one's own account, a forgotten
password, and the staff pages of a koperasi's pengurus and of the Dinas admin."""

from __future__ import annotations

import time
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from registry import access, user_selectors, user_services
from registry.forms import LoginForm
from registry.middleware import MUST_CHANGE_PASSWORD
from registry.models import Koperasi, Role, RoleGrant
from registry.user_forms import (
    DistrictCreateForm,
    DistrictGrantForm,
    GrantForm,
    PasswordChangeForm,
    ResetWithCodeForm,
    StaffCreateForm,
    TotpCodeForm,
    TotpDisableForm,
)

PENDING_TOTP = "kopdig_pending_totp"
PENDING_TOTP_SECONDS = 300
TOTP_TRIES = 5


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --- signing in --------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    """Password first; then, for an account with two-step sign-in, the code (another page)."""

    template_name = "registry/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if user_services.totp_enabled(user):
            self.request.session[PENDING_TOTP] = {
                "user": user.pk,
                "backend": user.backend,
                "next": self.get_success_url(),
                "at": time.time(),
                "tries": 0,
            }
            return redirect("login_totp")
        response = super().form_valid(form)
        return _after_login(self.request, user, response)


login = LoginView.as_view()


def _after_login(request: HttpRequest, user: Any, response: HttpResponse) -> HttpResponse:
    if user_services.must_change_password(user):
        request.session[MUST_CHANGE_PASSWORD] = True
        messages.info(request, _("Selamat datang. Ganti dulu kata sandi sementara Anda."))
        return redirect("registry:account")
    return response


def login_totp(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING_TOTP)
    if not pending or time.time() - pending["at"] > PENDING_TOTP_SECONDS:
        request.session.pop(PENDING_TOTP, None)
        return redirect("login")
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    if user is None:
        request.session.pop(PENDING_TOTP, None)
        return redirect("login")
    form = TotpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if user_services.totp_check(user=user, code=form.cleaned_data["code"]):
            request.session.pop(PENDING_TOTP, None)
            auth_login(request, user, backend=pending["backend"])
            target = pending["next"]
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = reverse("home")
            return _after_login(request, user, HttpResponseRedirect(target))
        # A wrong code counts as a failed sign-in for the lockout, as a wrong password does.
        user_login_failed.send(
            sender=__name__, credentials={"username": user.get_username()}, request=request
        )
        pending["tries"] += 1
        if pending["tries"] >= TOTP_TRIES:
            request.session.pop(PENDING_TOTP, None)
            messages.error(request, _("Terlalu banyak kode salah. Masuk lagi dari awal."))
            return redirect("login")
        request.session[PENDING_TOTP] = pending
        form.add_error("code", _("Kode salah atau sudah kedaluwarsa. Periksa jam ponsel Anda."))
    return render(request, "registry/users/login_totp.html", {"form": form})


def password_reset(request: HttpRequest) -> HttpResponse:
    """Setting a new password with the one-time code an admin gave (no e-mail needed)."""
    form = ResetWithCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user_services.password_reset_with_code(
                username=form.cleaned_data["username"],
                code=form.cleaned_data["code"],
                new_password=form.cleaned_data["password1"],
            )
        except user_services.UserError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("Kata sandi baru tersimpan. Silakan masuk."))
            return redirect("login")
    return render(request, "registry/users/reset.html", {"form": form})


# --- one's own account ----------------------------------------------------------------------------


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user_services.password_change(
                user=user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["password1"],
            )
        except user_services.UserError as exc:
            form.add_error(None, _error_text(exc))
        else:
            update_session_auth_hash(request, user)  # type: ignore[arg-type]
            request.session.pop(MUST_CHANGE_PASSWORD, None)
            messages.success(request, _("Kata sandi Anda sudah diganti."))
            return redirect("home")
    return render(
        request,
        "registry/users/account.html",
        {
            "form": form,
            "must_change": request.session.get(MUST_CHANGE_PASSWORD, False),
            "totp_available": user_services.totp_available(user),
            "totp_enabled": user_services.totp_enabled(user),
            "roles": user_selectors.people([user])[0].role_labels(),
        },
    )


@login_required
def account_totp(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user_services.totp_available(user):
        raise Http404
    enabled = user_services.totp_enabled(user)
    if enabled:
        form: Any = TotpDisableForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                user_services.totp_disable(
                    actor=user, user=user, password=form.cleaned_data["password"]
                )
            except user_services.UserError as exc:
                form.add_error(None, _error_text(exc))
            else:
                messages.success(request, _("Verifikasi dua langkah dimatikan."))
                return redirect("registry:account")
        return render(request, "registry/users/totp.html", {"form": form, "enabled": True})
    form = TotpCodeForm(request.POST or None)
    if request.method == "POST":
        secret = request.session.get("kopdig_totp_secret", "")
        if form.is_valid() and secret:
            try:
                user_services.totp_enable(user=user, code=form.cleaned_data["code"])
            except user_services.UserError as exc:
                form.add_error("code", _error_text(exc))
            else:
                request.session.pop("kopdig_totp_secret", None)
                messages.success(request, _("Verifikasi dua langkah aktif."))
                return redirect("registry:account")
    else:
        secret = user_services.totp_begin(user=user)
        request.session["kopdig_totp_secret"] = secret
    if not secret:
        return redirect("registry:account_totp")
    uri = user_services.totp_uri(user=user, secret=secret)
    qr = segno.make(uri, error="m").svg_inline(scale=4, title=_("Kode QR"))
    return render(
        request,
        "registry/users/totp.html",
        {
            "form": form,
            "enabled": False,
            "qr": mark_safe(qr),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        },
    )


# --- managing people ------------------------------------------------------------------------------


def _act_on_person(
    request: HttpRequest,
    target: user_selectors.Person,
    *,
    koperasi: Koperasi | None,
    grant_form: Any,
) -> HttpResponse | dict[str, Any] | None:
    """Carry out the POSTed action on ``target``; a redirect, extra context, or nothing."""
    actor = request.user
    user = target.user
    action = request.POST.get("action", "")
    try:
        if action == "grant":
            if not grant_form.is_valid():
                return None
            where = grant_form.cleaned_data.get("koperasi") if koperasi is None else koperasi
            user_services.role_give(
                actor=actor, user=user, role=grant_form.cleaned_data["role"], koperasi=where
            )
            messages.success(request, _("Peran diberikan."))
        elif action == "revoke":
            grants = RoleGrant.objects.filter(user=user, pk=request.POST.get("grant") or 0)
            if koperasi is not None:
                grants = grants.filter(koperasi=koperasi)
            grant = grants.first()
            if grant is None:
                raise Http404
            user_services.role_take(actor=actor, grant=grant)
            messages.success(request, _("Peran dicabut."))
        elif action in ("deactivate", "activate"):
            user_services.user_set_active(actor=actor, user=user, active=action == "activate")
            messages.success(
                request,
                _("Akun diaktifkan.") if action == "activate" else _("Akun dinonaktifkan."),
            )
        elif action == "unlock":
            user_services.login_unlock(actor=actor, user=user)
            messages.success(
                request,
                _("Kunci masuk dibuka; %(u)s dapat mencoba lagi.") % {"u": user.get_username()},
            )
        elif action == "totp_off":
            user_services.totp_disable(actor=actor, user=user)
            messages.success(request, _("Verifikasi dua langkah akun ini dimatikan."))
        elif action == "reset_code":
            code = user_services.reset_code_issue(actor=actor, user=user)
            return {"reset_code": code, "reset_hours": 24}
        else:
            return None
    except user_services.UserError as exc:
        messages.error(request, _error_text(exc))
    return redirect(request.path)


def _person_page(
    request: HttpRequest, target: user_selectors.Person, *, koperasi: Koperasi | None
) -> HttpResponse:
    # Bound only when it is the form sent (another button's POST must not show its errors).
    data = request.POST if request.POST.get("action") == "grant" else None
    grant_form: Any = (
        DistrictGrantForm(data, prefix="g") if koperasi is None else GrantForm(data, prefix="g")
    )
    extra: dict[str, Any] = {}
    if request.method == "POST":
        done = _act_on_person(request, target, koperasi=koperasi, grant_form=grant_form)
        if isinstance(done, HttpResponse):
            return done
        extra = done or {}
        target = (
            user_selectors.staff_member(koperasi, target.user.pk)
            if koperasi is not None
            else user_selectors.person(target.user.pk)
        ) or target
    grants = [g for g in target.grants if koperasi is None or g.koperasi_id == koperasi.pk]
    actor = request.user
    return render(
        request,
        "registry/users/person.html",
        {
            "p": target,
            "grants": [
                (
                    g,
                    user_services.may_manage_role(actor, g.role, g.koperasi)
                    and g.user_id != actor.pk,
                )
                for g in grants
            ],
            # Roles elsewhere are named only to the Dinas admin: a pengurus sees that there
            # are some (why they cannot reset this password), not which koperasi.
            "other_grants": [g for g in target.grants if g not in grants]
            if koperasi is None
            else [],
            "elsewhere": koperasi is not None and len(grants) < len(target.grants),
            "grant_form": grant_form,
            "manages": user_services.may_manage_person(actor, target.user),
            "is_self": target.user.pk == actor.pk,
            "scope_koperasi": koperasi,
            "back": reverse("registry:staff_users", kwargs={"kode": koperasi.code})
            if koperasi is not None
            else reverse("registry:people"),
            "nav_users": True,
            **extra,
        },
    )


@access.koperasi_view(Role.PENGURUS)
def staff_users(request: HttpRequest) -> HttpResponse:
    koperasi: Koperasi = request.koperasi  # type: ignore[attr-defined]
    form = StaffCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_services.user_create(
                actor=request.user,
                username=form.cleaned_data["username"],
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
                role=form.cleaned_data["role"],
                koperasi=koperasi,
            )
        except user_services.UserError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(
                request,
                _("Akun %(u)s dibuat. Berikan kata sandi sementara kepadanya secara langsung.")
                % {"u": user.get_username()},
            )
            return redirect("registry:staff_users", kode=koperasi.code)
    return render(
        request,
        "registry/users/staff.html",
        {
            "k": koperasi,
            "rows": [
                (p, [Role(r).label for r in p.roles_in(koperasi)])
                for p in user_selectors.koperasi_staff(koperasi)
            ],
            "form": form,
            "open_form": request.method == "POST",
            "nav_users": True,
        },
    )


@access.koperasi_view(Role.PENGURUS)
def staff_user(request: HttpRequest, user_id: int) -> HttpResponse:
    koperasi: Koperasi = request.koperasi  # type: ignore[attr-defined]
    target = user_selectors.staff_member(koperasi, user_id)
    if target is None:
        raise Http404
    return _person_page(request, target, koperasi=koperasi)


@access.district_view(admin_only=True)
def people(request: HttpRequest) -> HttpResponse:
    form = DistrictCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_services.user_create(
                actor=request.user,
                username=form.cleaned_data["username"],
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
                role=form.cleaned_data["role"],
                koperasi=form.cleaned_data.get("koperasi"),
            )
        except user_services.UserError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(
                request,
                _("Akun %(u)s dibuat. Berikan kata sandi sementara kepadanya secara langsung.")
                % {"u": user.get_username()},
            )
            return redirect("registry:person", user_id=user.pk)
    query = request.GET.get("q", "").strip()[:100]
    page = Paginator(user_selectors.district_people(query), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "registry/users/people.html",
        {
            "form": form,
            "open_form": request.method == "POST",
            "q": query,
            "page": page,
            "rows": user_selectors.people(page.object_list),
            "nav_people": True,
        },
    )


@access.district_view(admin_only=True)
def person(request: HttpRequest, user_id: int) -> HttpResponse:
    target = user_selectors.person(user_id)
    if target is None:
        raise Http404
    return _person_page(request, target, koperasi=None)
