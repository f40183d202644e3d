"""The member's pages (``/app/``): thin views over :mod:`portal.services` and selectors."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from core.dates import business_date
from portal import auth, forms, selectors, services
from portal.auth import member_view
from portal.services import PortalError
from savings import selectors as savings_selectors


def _m(request: HttpRequest) -> Any:
    return request.member  # type: ignore[attr-defined]


def _render(request: HttpRequest, template: str, **context: Any) -> HttpResponse:
    member = getattr(request, "member", None)
    context.setdefault("as_of", timezone.now())
    return render(request, template, {"member": member, **context})


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("portal:beranda")


# --- Getting in ----------------------------------------------------------------------------


def activate(request: HttpRequest) -> HttpResponse:
    """First time (or after a reset): phone, member number, the slip's code and a new PIN."""
    if request.user.is_authenticated:
        return redirect("home")
    form = forms.ActivateForm(
        request.POST or None, initial={"member_number": request.GET.get("no")}
    )
    error = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            login = services.activate(
                phone=data["phone"],
                member_number=data["member_number"],
                code=data["code"],
                pin=data["pin"],
                pin_again=data["pin_again"],
                ip=auth.client_ip(request),
            )
        except PortalError as exc:
            error = exc.message  # type: ignore[assignment]
        else:
            auth.sign_in(request, login.member)
            services.record_activity(member=login.member, login=True)
            return redirect("portal:beranda")
    return render(request, "portal/activate.html", {"form": form, "error": error})


def login(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    if request.method == "GET" and auth.current_member(request) is not None:
        return redirect(_next(request))
    form = forms.LoginForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            member = services.authenticate(
                phone=form.cleaned_data["phone"],
                pin=form.cleaned_data["pin"],
                ip=auth.client_ip(request),
            )
        except PortalError as exc:
            error = exc.message  # type: ignore[assignment]
        else:
            auth.sign_in(request, member)
            return redirect(_next(request))
    return render(
        request,
        "portal/login.html",
        {"form": form, "error": error, "next": request.GET.get("next", "")},
    )


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    auth.sign_out(request)
    return redirect(f"{reverse('portal:login')}?keluar=1")


@require_POST
@member_view("profil")
def logout_everywhere(request: HttpRequest) -> HttpResponse:
    services.logout_everywhere(member=_m(request))
    auth.sign_out(request)
    return redirect(f"{reverse('portal:login')}?keluar=1")


# --- Screens -------------------------------------------------------------------------------


@member_view("beranda")
def beranda(request: HttpRequest) -> HttpResponse:
    return _render(request, "portal/beranda.html", b=selectors.beranda(member=_m(request)))


@member_view("mutasi")
def mutations(request: HttpRequest, savings_account_id: int) -> HttpResponse:
    found = selectors.mutations(
        member=_m(request), account_id=savings_account_id, page=request.GET.get("hal", 1)
    )
    return _render(request, "portal/mutations.html", mu=found)


@member_view("rekening_koran")
def statement_pdf(request: HttpRequest, savings_account_id: int) -> HttpResponse:
    """This month's movements of one account as a PDF (the staff statement's template)."""
    from weasyprint import HTML

    member = _m(request)
    account = selectors.account_of(member=member, account_id=savings_account_id)
    end = business_date(member.koperasi)
    start = (
        end.replace(month=1, day=1) if request.GET.get("periode") == "tahun" else end.replace(day=1)
    )
    html = render_to_string(
        "savings/statement_print.html",
        {
            "k": member.koperasi,
            "a": account,
            "st": savings_selectors.statement(account=account, start=start, end=end),
        },
        request=request,
    )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    services.record_activity(member=member, action=True)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="mutasi-{account.number}-{start:%Y%m%d}-{end:%Y%m%d}.pdf"'
    )
    return response


@member_view("pinjaman")
def loans(request: HttpRequest) -> HttpResponse:
    return _render(request, "portal/loans.html", loans=selectors.loans(member=_m(request)))


@member_view("pinjaman")
def loan(request: HttpRequest, loan_id: int) -> HttpResponse:
    detail = selectors.loan_detail(member=_m(request), loan_id=loan_id)
    return _render(request, "portal/loan.html", d=detail, today=business_date(_m(request).koperasi))


def _loan_form(request: HttpRequest, cls: type[forms.LoanForm], data: Any) -> Any:
    products = selectors.products(koperasi=_m(request).koperasi)
    return cls(data, products=products), products


@member_view("simulasi")
def simulate(request: HttpRequest) -> HttpResponse:
    form, products = _loan_form(request, forms.LoanForm, request.GET or None)
    rows: list[Any] = []
    error = ""
    if request.GET and form.is_valid():
        product = selectors.product_of(
            koperasi=_m(request).koperasi, product_id=form.cleaned_data["product"]
        )
        terms = product.current_terms  # type: ignore[attr-defined]
        amount, tenor = form.cleaned_data["amount"], form.cleaned_data["tenor"]
        if not terms.min_tenor <= tenor <= terms.max_tenor:
            error = _("Jangka waktu %(p)s antara %(a)s dan %(b)s angsuran.") % {
                "p": product.name,
                "a": terms.min_tenor,
                "b": terms.max_tenor,
            }
        else:
            rows = selectors.simulate(
                koperasi=_m(request).koperasi, product=product, amount=amount, tenor=tenor
            )
    return _render(
        request,
        "portal/simulate.html",
        form=form,
        products=products,
        rows=rows,
        error=error,
        query=request.GET.urlencode(),
    )


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@member_view("ajukan")
def apply(request: HttpRequest) -> HttpResponse:
    """A loan application into the koperasi's approval queue; sent again (the offline queue,
    a retry) with the same key it makes nothing new."""
    initial = {"idempotency_key": uuid.uuid4().hex, **request.GET.dict()}
    form, products = _loan_form(request, forms.ApplyForm, request.POST or None)
    if not request.POST:
        form = forms.ApplyForm(initial=initial, products=products)
    error = ""
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                made = services.loan_request(
                    member=_m(request),
                    product=selectors.product_of(
                        koperasi=_m(request).koperasi, product_id=data["product"]
                    ),
                    amount=data["amount"],
                    tenor=data["tenor"],
                    purpose=data["purpose"],
                    idempotency_key=data["idempotency_key"],
                )
            except PortalError as exc:
                error = exc.message  # type: ignore[assignment]
            else:
                if _wants_json(request):
                    return JsonResponse({"loan": made.number, "status": made.get_status_display()})
                return redirect("portal:loan", loan_id=made.pk)
        if _wants_json(request):
            message = error or " ".join(str(e) for errs in form.errors.values() for e in errs)
            return JsonResponse({"error": message}, status=400)
    return _render(request, "portal/apply.html", form=form, products=products, error=error)


@member_view("wajib")
def wajib(request: HttpRequest) -> HttpResponse:
    return _render(request, "portal/wajib.html", w=selectors.wajib_bill(member=_m(request)))


@member_view("struk")
def receipts(request: HttpRequest) -> HttpResponse:
    return _render(request, "portal/receipts.html", rows=selectors.receipts(member=_m(request)))


@member_view("struk")
def receipt_savings(request: HttpRequest, transaction_id: int) -> HttpResponse:
    r = selectors.savings_receipt(member=_m(request), transaction_id=transaction_id)
    return _render(request, "portal/receipt.html", r=r)


@member_view("struk")
def receipt_loan(request: HttpRequest, loan_tx_id: int) -> HttpResponse:
    r = selectors.loan_receipt(member=_m(request), loan_tx_id=loan_tx_id)
    return _render(request, "portal/receipt.html", r=r)


@member_view("profil")
def profile(request: HttpRequest) -> HttpResponse:
    member = _m(request)
    form = forms.PhoneChangeForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            services.phone_change_request(member=member, new_phone=form.cleaned_data["new_phone"])
        except PortalError as exc:
            error = exc.message  # type: ignore[assignment]
        else:
            return redirect("portal:profile")
    return _render(
        request,
        "portal/profile.html",
        form=form,
        error=error,
        pending=selectors.pending_phone_change(member=member),
    )


# --- PWA -----------------------------------------------------------------------------------


@cache_control(max_age=3600)
def manifest(request: HttpRequest) -> HttpResponse:
    body = render_to_string("portal/manifest.webmanifest", request=request)
    return HttpResponse(body, content_type="application/manifest+json")


@cache_control(no_cache=True)
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, served from ``/app/`` so that its scope is the whole app."""
    body = render_to_string("portal/sw.js", request=request)
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("portal:beranda")
    return response
