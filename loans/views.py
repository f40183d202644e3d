"""Loan product pages: the list, a new product, and a product with its terms and simulator."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.dates import business_date
from loans import forms, selectors, services
from loans.models import LoanProductTerms
from loans.schedule import ScheduleError
from registry.access import koperasi_view
from registry.models import Role

MANAGERS = (Role.PENGURUS,)


def _k(request: HttpRequest) -> Any:
    return request.koperasi  # type: ignore[attr-defined]


def _ctx(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    roles = set(getattr(request, "roles", set()))
    return {
        "k": _k(request),
        "can_manage": Role.PENGURUS in roles,
        "business_date": business_date(_k(request)),
        "nav_loans": True,
        **extra,
    }


def _pct(bp: int | None) -> str:
    return "" if bp is None else format(Decimal(bp) / 100, "f").replace(".", ",")


def _initial(terms: LoanProductTerms) -> dict[str, Any]:
    """The form's values from ``terms``: a new row starts as a copy of the one in force."""
    return {
        "method": terms.method,
        "rate_percent": _pct(terms.rate_bp),
        "rate_per": terms.rate_per,
        "frequency": terms.frequency,
        "min_tenor": terms.min_tenor,
        "max_tenor": terms.max_tenor,
        "max_grace": terms.max_grace,
        "min_amount": terms.min_amount,
        "max_amount": terms.max_amount,
        "provisi_kind": terms.provisi_kind,
        "provisi_percent": _pct(terms.provisi_bp),
        "provisi_amount": terms.provisi_amount,
        "admin_kind": terms.admin_kind,
        "admin_percent": _pct(terms.admin_bp),
        "admin_amount": terms.admin_amount,
        "denda_per": terms.denda_per,
        "denda_kind": terms.denda_kind,
        "denda_percent": _pct(terms.denda_bp),
        "denda_amount": terms.denda_amount,
        "denda_grace_days": terms.denda_grace_days,
        "denda_cap_percent": _pct(terms.denda_cap_bp),
        "allocation": terms.allocation,
        "prepayment_allowed": terms.prepayment_allowed,
        "excess_to_sukarela": terms.excess_to_sukarela,
        "early_interest_share_percent": _pct(terms.early_interest_share_bp),
        "early_penalty_percent": _pct(terms.early_penalty_bp),
        "collateral_required": terms.collateral_required,
        "saving_kind": terms.saving_kind,
        "saving_percent": _pct(terms.saving_bp),
        "saving_amount": terms.saving_amount,
        "saving_product": terms.saving_product_id,
        "accrues": terms.accrues,
    }


DEFAULTS: dict[str, Any] = {
    "method": "flat",
    "rate_per": "bulan",
    "frequency": "bulanan",
    "max_grace": 0,
    "provisi_kind": "persen",
    "admin_kind": "tetap",
    "denda_per": "hari",
    "denda_kind": "persen",
    "denda_grace_days": 3,
    "denda_cap_percent": "100",
    "allocation": "vertikal",
    "prepayment_allowed": True,
    "accrues": True,
}


@koperasi_view()
def home(request: HttpRequest) -> HttpResponse:
    koperasi = _k(request)
    today = business_date(koperasi)
    products = selectors.product_list(koperasi=koperasi, on=today)
    rows = []
    for product in products:
        terms = product.current_terms  # type: ignore[attr-defined]
        span = selectors.effective_rate_range(terms=terms, start=today) if terms else None
        rows.append({"p": product, "t": terms, "span": span})
    return render(request, "loans/home.html", _ctx(request, rows=rows))


@koperasi_view(*MANAGERS)
def product_create(request: HttpRequest) -> HttpResponse:
    koperasi = _k(request)
    form = forms.ProductForm(
        request.POST or None,
        koperasi=koperasi,
        initial={**DEFAULTS, "effective_from": business_date(koperasi)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            product = services.product_create(
                koperasi=koperasi,
                actor=request.user,
                code=data["code"],
                name=data["name"],
                effective_from=data["effective_from"],
                **form.terms(),
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("Produk %(p)s dibuat.") % {"p": product.name})
            return redirect("loans:product", kode=koperasi.code, loan_product_id=product.pk)
    return render(
        request,
        "loans/product_form.html",
        _ctx(request, form=form),
        status=400 if form.errors else 200,
    )


@koperasi_view()
def product(request: HttpRequest, loan_product_id: int) -> HttpResponse:
    koperasi = _k(request)
    today = business_date(koperasi)
    item = selectors.product_get(koperasi=koperasi, product_id=loan_product_id)
    current = selectors.terms_in_force(product=item, on=today)
    history = list(selectors.terms_history(product=item))
    initial: dict[str, Any] = {"effective_from": services.first_allowed_date(koperasi)}
    if current is not None:
        initial.update(_initial(current))
    form = forms.TermsForm(request.POST or None, koperasi=koperasi, initial=initial)
    if request.method == "POST":
        if Role.PENGURUS not in getattr(request, "roles", set()):
            return HttpResponse(status=403)
        if form.is_valid():
            try:
                services.product_terms_set(
                    product=item,
                    actor=request.user,
                    effective_from=form.cleaned_data["effective_from"],
                    **form.terms(),
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, _("Ketentuan baru disimpan."))
                return redirect("loans:product", kode=koperasi.code, loan_product_id=item.pk)
    span = selectors.effective_rate_range(terms=current, start=today) if current else None
    sim_form, sims = _simulation(request, current, today)
    return render(
        request,
        "loans/product.html",
        _ctx(
            request,
            p=item,
            current=current,
            history=history,
            form=form,
            span=span,
            sim_form=sim_form,
            sims=sims,
        ),
        status=400 if form.errors or sim_form.errors else 200,
    )


def _simulation(
    request: HttpRequest, terms: LoanProductTerms | None, today: dt.date
) -> tuple[forms.SimulateForm, list[selectors.Simulation]]:
    """The simulator's form and, when it was filled in, the three methods' schedules."""
    if terms is None or "jumlah" not in request.GET:
        initial = {}
        if terms is not None:
            initial = {"jumlah": terms.min_amount, "tenor": terms.min_tenor}
        return forms.SimulateForm(initial=initial, terms=terms), []
    form = forms.SimulateForm(request.GET, terms=terms)
    if not form.is_valid():
        return form, []
    data = form.cleaned_data
    try:
        sims = selectors.simulate_methods(
            terms=terms,
            amount=data["jumlah"],
            tenor=data["tenor"],
            start=today,
            grace=data["tenggang"],
        )
    except ScheduleError:
        form.add_error(None, _("Jadwal tidak dapat dibuat dari isian ini."))
        return form, []
    return form, sims
