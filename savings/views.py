"""Savings pages under ``/k/<kode>/simpanan/``: products, accounts and statements, arrears,
tax withholding, month end, payroll deduction, the kasir sessions and leaving members."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.dates import business_date, tanggal
from core.money import money
from core.spreadsheet import report_lines
from core.spreadsheet.limits import MB
from core.validators import mask_nik
from ledger import exports
from members import selectors as member_selectors
from members.views import NIK_READERS
from registry.access import koperasi_view
from registry.models import Role
from savings import forms, selectors, services
from savings.models import Account, Kind, MonthEndStep, ProductTerms
from savings.services._common import month_start, rupiah
from savings.services.payroll import LIMITS as PAYROLL_LIMITS
from savings.services.payroll import MAX_ROWS as PAYROLL_MAX_ROWS

WRITERS = (Role.KASIR, Role.PENGURUS)
MANAGERS = (Role.PENGURUS,)


def _k(request: HttpRequest) -> Any:
    return request.koperasi  # type: ignore[attr-defined]


def _ctx(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    roles = set(getattr(request, "roles", set()))
    return {
        "k": _k(request),
        "can_write": bool(roles & set(WRITERS)),
        "can_manage": Role.PENGURUS in roles,
        "business_date": business_date(_k(request)),
        "nav_savings": True,
        **extra,
    }


@koperasi_view()
def home(request: HttpRequest) -> HttpResponse:
    koperasi = _k(request)
    return render(
        request,
        "savings/home.html",
        _ctx(
            request,
            products=selectors.product_list(koperasi=koperasi),
            totals=selectors.totals_by_kind(koperasi=koperasi),
            arrears=selectors.arrears_list(koperasi=koperasi, limit=10),
        ),
    )


# --- products ----------------------------------------------------------------------------------


@koperasi_view(*MANAGERS)
def product_create(request: HttpRequest) -> HttpResponse:
    koperasi = _k(request)
    form = forms.ProductForm(
        request.POST or None,
        initial={"effective_from": business_date(koperasi), "interest_method": "harian"},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            product = services.product_create(
                koperasi=koperasi,
                actor=request.user,
                code=data["code"],
                name=data["name"],
                kind=data["kind"],
                withdrawable=data["withdrawable"],
                open_on_join=data["open_on_join"],
                effective_from=data["effective_from"],
                **form.terms(data["kind"]),
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("Produk %(p)s dibuat.") % {"p": product.name})
            return redirect("savings:product", kode=koperasi.code, product_id=product.pk)
    return render(
        request,
        "savings/product_form.html",
        _ctx(request, form=form),
        status=400 if form.errors else 200,
    )


@koperasi_view()
def product(request: HttpRequest, product_id: int) -> HttpResponse:
    koperasi = _k(request)
    item = selectors.product_get(koperasi=koperasi, product_id=product_id)
    current = item.terms.filter(effective_from__lte=business_date(koperasi)).first()
    initial: dict[str, Any] = {"effective_from": business_date(koperasi) + dt.timedelta(days=1)}
    if current is not None:
        initial.update(
            rate_percent=str(current.rate_percent).replace(".", ","),
            interest_method=current.interest_method,
            interest_threshold=current.interest_threshold,
            min_balance=current.min_balance,
            pokok_amount=current.pokok_amount,
            pokok_instalments=current.pokok_instalments,
            wajib_amount=current.wajib_amount,
            wajib_period_months=current.wajib_period_months,
            tenors=", ".join(str(t) for t in current.tenors),
            early_penalty_percent=str(current.early_penalty_percent).replace(".", ","),
            at_maturity=current.at_maturity,
        )
    form = forms.TermsForm(request.POST or None, kind=item.kind, initial=initial)
    if request.method == "POST":
        if Role.PENGURUS not in getattr(request, "roles", set()):
            return HttpResponse(status=403)
        if form.is_valid():
            try:
                services.product_terms_set(
                    product=item,
                    actor=request.user,
                    effective_from=form.cleaned_data["effective_from"],
                    **form.terms(item.kind),
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, _("Ketentuan baru disimpan."))
                return redirect("savings:product", kode=koperasi.code, product_id=item.pk)
    history: list[ProductTerms] = list(item.terms.order_by("-effective_from"))
    return render(
        request,
        "savings/product.html",
        _ctx(request, p=item, current=current, history=history, form=form),
        status=400 if form.errors else 200,
    )


# --- accounts and statements -------------------------------------------------------------------


def _period(request: HttpRequest) -> tuple[forms.StatementForm, dt.date, dt.date]:
    today = business_date(_k(request))
    default = {"start": month_start(today), "end": today}
    form = forms.StatementForm(request.GET or None, initial=default)
    if request.GET and form.is_valid():
        return form, form.cleaned_data["start"], form.cleaned_data["end"]
    return forms.StatementForm(initial=default), default["start"], default["end"]


@koperasi_view()
def account(request: HttpRequest, savings_account_id: int) -> HttpResponse:
    item = selectors.account_get(koperasi=_k(request), account_id=savings_account_id)
    form, start, end = _period(request)
    return render(
        request,
        "savings/account.html",
        _ctx(
            request,
            a=item,
            form=form,
            st=selectors.statement(account=item, start=start, end=end),
            query=request.GET.urlencode(),
            obligations=item.obligations.order_by("-period")[:24],
        ),
    )


@koperasi_view()
def statement_pdf(request: HttpRequest, savings_account_id: int) -> HttpResponse:
    from weasyprint import HTML

    item = selectors.account_get(koperasi=_k(request), account_id=savings_account_id)
    _form, start, end = _period(request)
    html = render_to_string(
        "savings/statement_print.html",
        {
            "k": _k(request),
            "a": item,
            "st": selectors.statement(account=item, start=start, end=end),
        },
        request=request,
    )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="mutasi-{item.number}-{start:%Y%m%d}-{end:%Y%m%d}.pdf"'
    )
    return response


@koperasi_view()
def member(request: HttpRequest, member_id: int) -> HttpResponse:
    m = member_selectors.member_get(koperasi=_k(request), member_id=member_id)
    return render(
        request,
        "savings/member.html",
        _ctx(
            request,
            m=m,
            accounts=selectors.member_accounts(member=m, include_closed=True),
            arrears=selectors.member_arrears(member=m),
        ),
    )


@koperasi_view(*WRITERS)
def member_exit(request: HttpRequest, member_id: int) -> HttpResponse:
    """Leaving or death: what is refunded, what is netted, then one entry and a receipt."""
    koperasi = _k(request)
    m = member_selectors.member_get(koperasi=koperasi, member_id=member_id)
    preview = services.exit_preview(member=m)
    form = forms.ExitForm(
        request.POST or None, initial={"on": business_date(koperasi), "kind": "keluar"}
    )
    session = services.open_session(koperasi=koperasi, kasir=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if session is None and preview["payout"]:
            form.add_error(None, _("Buka sesi kasir dulu untuk membayar pengembalian simpanan."))
        else:
            try:
                result = services.member_exit(
                    member=m,
                    actor=request.user,
                    on=data["on"],
                    reason=data["reason"],
                    died=data["kind"] == "meninggal",
                    session=session,
                    idempotency_key=data["idempotency_key"],
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for name, errors in exc.error_dict.items():
                        field = {"note": "reason"}.get(name, name)
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, exc.messages)
            else:
                messages.success(
                    request,
                    _("Simpanan %(name)s dikembalikan: %(amt)s.")
                    % {"name": m.full_name, "amt": rupiah(result.payout)},
                )
                if result.transactions:
                    return redirect(
                        "savings:receipt",
                        kode=koperasi.code,
                        transaction_id=result.transactions[0].pk,
                    )
                return redirect("savings:member", kode=koperasi.code, member_id=m.pk)
    return render(
        request,
        "savings/exit.html",
        _ctx(request, m=m, preview=preview, form=form, session=session),
        status=400 if form.errors else 200,
    )


# --- arrears, tax ------------------------------------------------------------------------------


PAGE_SIZE = 50


def _query(request: HttpRequest) -> str:
    """The current filters as a query string without ``page``, for the pager and downloads."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _search(request: HttpRequest) -> str:
    form = forms.ListSearchForm(request.GET)
    return " ".join(form.cleaned_data["q"].split()) if form.is_valid() else ""


@koperasi_view()
def arrears(request: HttpRequest) -> HttpResponse:
    koperasi = _k(request)
    if request.GET.get("format") in ("csv", "xlsx"):
        # The collection list's old address (``?format=csv``), kept for saved links.
        return _arrears_download(koperasi, request.GET["format"])
    q = _search(request)
    rows = selectors.arrears_rows(koperasi=koperasi, q=q)
    page: Page[Any] = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = [selectors.arrears_row(r) for r in page.object_list]
    return render(
        request,
        "savings/arrears.html",
        _ctx(
            request,
            form=forms.ListSearchForm(request.GET or None),
            page=page,
            q=q,
            totals=selectors.arrears_totals(koperasi=koperasi),
            query=_query(request),
        ),
    )


def _arrears_table(koperasi: Any) -> exports.Table:
    rows = selectors.arrears_list(koperasi=koperasi)
    totals = selectors.arrears_totals(koperasi=koperasi)
    table = exports.Table(
        name=_("Tunggakan wajib"),
        title=_("Tunggakan simpanan wajib"),
        subtitle=_("Per %(tgl)s: %(n)s anggota, jumlah %(amt)s")
        % {
            "tgl": tanggal(business_date(koperasi)),
            "n": totals.members,
            "amt": rupiah(totals.amount),
        },
        columns=[
            exports.Column(_("Nomor anggota"), width=14),
            exports.Column(_("Nama"), width=28),
            exports.Column(_("Nomor HP"), width=16),
            exports.Column(_("Bulan"), "int", 8),
            exports.Column(_("Sejak"), "date", 12),
            exports.Column(_("Tunggakan"), "money", 16),
        ],
    )
    for r in rows:
        table.add(r.number, r.name, r.phone_display, r.months, r.oldest, r.amount)
    return table


@require_GET
@koperasi_view()
def arrears_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The whole collection list (every page, no search), for a spreadsheet or a phone."""
    return _arrears_download(_k(request), fmt)


def _arrears_download(koperasi: Any, fmt: str) -> HttpResponse:
    stamp = f"{business_date(koperasi):%Y%m%d}"
    return exports.response(_arrears_table(koperasi), fmt, koperasi=koperasi, stamp=stamp)


def _tax_period(request: HttpRequest) -> tuple[list[dt.date], dt.date | None]:
    periods = selectors.withholding_periods(koperasi=_k(request))
    chosen = request.GET.get("masa")
    return periods, next(
        (p for p in periods if p.isoformat() == chosen), periods[0] if periods else None
    )


def _tax_filters(request: HttpRequest) -> tuple[forms.TaxFilterForm, str, bool]:
    form = forms.TaxFilterForm(request.GET or None)
    if form.is_valid():
        return form, " ".join(form.cleaned_data["q"].split()), form.cleaned_data["dipotong"]
    return form, "", False


@koperasi_view()
def tax(request: HttpRequest) -> HttpResponse:
    koperasi = _k(request)
    periods, period = _tax_period(request)
    form, q, withheld_only = _tax_filters(request)
    page = totals = None
    if period is not None:
        rows = selectors.withholdings(
            koperasi=koperasi, period=period, q=q, withheld_only=withheld_only
        )
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
        totals = selectors.withholding_totals(koperasi=koperasi, period=period)
    return _tax_page(request, periods, period, form, page, totals, q, withheld_only)


def _tax_page(
    request: HttpRequest,
    periods: list[dt.date],
    period: dt.date | None,
    form: forms.TaxFilterForm,
    page: Any,
    totals: Any,
    q: str,
    withheld_only: bool,
    deposit_form: forms.TaxDepositForm | None = None,
) -> HttpResponse:
    koperasi = _k(request)
    masas = selectors.tax_masa_rows(koperasi=koperasi)
    current = next((r for r in masas if r.period == period), None)
    if deposit_form is None and current is not None and current.can_deposit:
        deposit_form = forms.TaxDepositForm(
            initial={
                "masa": current.period,
                "amount": current.due,
                "paid_on": business_date(koperasi),
                "via": "bank",
            }
        )
    return render(
        request,
        "savings/tax.html",
        _ctx(
            request,
            masas=masas,
            masa=current,
            deposit_form=deposit_form,
            periods=periods,
            period=period,
            form=form,
            page=page,
            totals=totals,
            filtered=bool(q or withheld_only),
            query=_query(request),
            export_query=urlencode(
                {"masa": period.isoformat(), **({"dipotong": "on"} if withheld_only else {})}
            )
            if period
            else "",
        ),
        status=400 if deposit_form is not None and deposit_form.errors else 200,
    )


@require_POST
@koperasi_view(*MANAGERS)
def tax_deposit(request: HttpRequest) -> HttpResponse:
    """Record the deposit of one masa's withheld PPh (pengurus only), from the tax page."""
    koperasi = _k(request)
    form = forms.TaxDepositForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.tax_deposit(
                koperasi=koperasi,
                period=data["masa"],
                amount=data["amount"],
                ntpn=data["ntpn"],
                paid_on=data["paid_on"],
                via=data["via"],
                reason=data["reason"],
                actor=request.user,
                idempotency_key=data["idempotency_key"],
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("Setoran PPh dicatat dan dijurnal."))
            return redirect(
                f"{reverse('savings:tax', kwargs={'kode': koperasi.code})}"
                f"?masa={data['masa'].isoformat()}"
            )
    periods = selectors.withholding_periods(koperasi=koperasi)
    chosen = form.cleaned_data.get("masa") if hasattr(form, "cleaned_data") else None
    period = chosen if chosen in periods else (periods[0] if periods else None)
    page = totals = None
    if period is not None:
        rows = selectors.withholdings(koperasi=koperasi, period=period)
        page = Paginator(rows, PAGE_SIZE).get_page(1)
        totals = selectors.withholding_totals(koperasi=koperasi, period=period)
    return _tax_page(request, periods, period, forms.TaxFilterForm(), page, totals, "", False, form)


def _tax_table(
    koperasi: Any, period: dt.date, *, withheld_only: bool, full_nik: bool
) -> exports.Table:
    totals = selectors.withholding_totals(koperasi=koperasi, period=period)
    table = exports.Table(
        name=_("Bukti potong PPh"),
        title=_("Bukti potong PPh final Pasal 4 ayat (2) bunga simpanan"),
        subtitle=_("Masa pajak %(masa)s: %(n)s anggota, %(w)s dipotong; bunga %(g)s, PPh %(t)s")
        % {
            "masa": date_format(period, "F Y"),
            "n": totals.members,
            "w": totals.withheld_members,
            "g": rupiah(totals.gross),
            "t": rupiah(totals.tax),
        },
        columns=[
            exports.Column(_("Masa pajak"), width=10),
            exports.Column(_("Nomor anggota"), width=14),
            exports.Column(_("Nama"), width=28),
            exports.Column(_("NIK"), width=18),
            exports.Column(_("Alamat"), width=30),
            exports.Column(_("Bunga bruto"), "money", 16),
            exports.Column(_("Tarif (persen)"), width=8),
            exports.Column(_("PPh dipotong"), "money", 16),
        ],
    )
    rows = selectors.withholdings(koperasi=koperasi, period=period, withheld_only=withheld_only)
    for w in rows:
        table.add(
            f"{period:%Y-%m}",
            w.member.number,
            w.member.full_name,
            w.member.nik if full_nik else mask_nik(w.member.nik),
            w.member.address,
            w.gross,
            f"{Decimal(w.rate_bp) / 100:f}",
            w.tax,
        )
    return table


@require_GET
@koperasi_view()
def tax_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """Every bukti potong of the month (all pages, no search; only the withheld ones if asked).

    A bukti potong PPh final Pasal 4 ayat (2) names the recipient by NIK (or NPWP), and the
    SPT Masa / e-Bupot is filled from it, so the file carries the full NIK, unlike the member
    export. Only the roles that see full NIKs on the member pages get it; a pengawas or
    konsultan reviewing the withholding gets the same list with the NIK masked."""
    koperasi = _k(request)
    _periods, period = _tax_period(request)
    if period is None:
        raise Http404
    _form, _q, withheld_only = _tax_filters(request)
    full_nik = bool(set(getattr(request, "roles", set())) & NIK_READERS)
    table = _tax_table(koperasi, period, withheld_only=withheld_only, full_nik=full_nik)
    return exports.response(table, fmt, koperasi=koperasi, stamp=f"{period:%Y%m}")


# --- month end ---------------------------------------------------------------------------------


@koperasi_view()
def month_end(request: HttpRequest) -> HttpResponse:
    koperasi = _k(request)
    today = business_date(koperasi)
    last = month_start(today) - dt.timedelta(days=1)
    suggest = today if services.is_month_end(today) else last
    form = forms.MonthEndForm(request.POST or None, initial={"on": suggest})
    results = None
    if request.method == "POST":
        if Role.PENGURUS not in getattr(request, "roles", set()):
            return HttpResponse(status=403)
        if form.is_valid():
            try:
                results = services.month_end(
                    koperasi=koperasi, on=form.cleaned_data["on"], actor=request.user
                )
            except ValidationError as exc:
                form.add_error("on", exc.messages)
            else:
                if all(r.done_before for r in results):
                    messages.info(
                        request, _("Akhir bulan ini sudah diproses; tidak ada yang diposting lagi.")
                    )
                else:
                    messages.success(request, _("Langkah akhir bulan selesai."))
    page: Page[Any] = Paginator(selectors.month_end_dates(koperasi=koperasi), 12).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "savings/month_end.html",
        _ctx(
            request,
            form=form,
            results=results,
            page=page,
            history=selectors.month_end_history(koperasi=koperasi, dates=list(page)),
            steps=MonthEndStep.choices,
        ),
        status=400 if form.errors else 200,
    )


# --- payroll -----------------------------------------------------------------------------------


@koperasi_view(*WRITERS)
def payroll(request: HttpRequest) -> HttpResponse:
    koperasi = _k(request)
    form = forms.PayrollUploadForm(
        request.POST or None, request.FILES or None, initial={"value_date": business_date(koperasi)}
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.payroll_preview(
                koperasi=koperasi,
                actor=request.user,
                filename=upload.name,
                content=upload,
                value_date=form.cleaned_data["value_date"],
                via=form.cleaned_data["via"],
            )
        except ValidationError as exc:
            form.add_error("file", exc.messages)
        else:
            return redirect("savings:payroll_batch", kode=koperasi.code, batch_id=batch.pk)
    products = [p for p in selectors.product_list(koperasi=koperasi) if p.kind != Kind.BERJANGKA]
    return render(
        request,
        "savings/payroll.html",
        _ctx(
            request,
            form=form,
            batches=selectors.payroll_batches(koperasi=koperasi),
            products=products,
            max_mb=PAYROLL_LIMITS.max_bytes // MB,
            max_rows=f"{PAYROLL_MAX_ROWS:,}".replace(",", "."),
        ),
        status=400 if form.errors else 200,
    )


@koperasi_view(*WRITERS)
def payroll_batch(request: HttpRequest, batch_id: int) -> HttpResponse:
    koperasi = _k(request)
    batch = selectors.payroll_get(koperasi=koperasi, batch_id=batch_id)
    form = forms.PayrollPostForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.payroll_post(
                batch=batch, actor=request.user, only_valid=form.cleaned_data["only_valid"]
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("Potong gaji diposting dalam satu jurnal."))
            return redirect("savings:payroll_batch", kode=koperasi.code, batch_id=batch.pk)
    # A payroll file has a row per member: show it by pages, reading only the page's accounts.
    page = Paginator(batch.rows, PAGE_SIZE).get_page(request.GET.get("page"))
    accounts = {
        str(a.pk): a
        for a in Account.objects.filter(
            koperasi=koperasi,
            pk__in=[int(x) for r in page.object_list for x in r["amounts"]],
        ).select_related("product")
    }
    page.object_list = [
        {**r, "lines": [(accounts.get(a), money(v)) for a, v in r["amounts"].items()]}
        for r in page.object_list
    ]
    return render(
        request,
        "savings/payroll_batch.html",
        _ctx(
            request,
            batch=batch,
            page=page,
            form=form,
            query=_query(request),
            error_total=number_format(batch.error_count, force_grouping=True),
        ),
        status=400 if form.errors else 200,
    )


@koperasi_view(*WRITERS)  # type: ignore[arg-type]  # a streaming response, not HttpResponse
def payroll_errors(request: HttpRequest, batch_id: int) -> StreamingHttpResponse:
    """Every problem found in a payroll file, as CSV (the page shows only the first ones)."""
    filename, report = selectors.payroll_error_report(koperasi=_k(request), batch_id=batch_id)
    stem = re.sub(r"[^\w.-]+", "_", filename.rsplit(".", 1)[0])[:80] or "potong-gaji"
    response = StreamingHttpResponse(report_lines(report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kesalahan-{stem}.csv"'
    return response


# --- the manager's view of the kasir sessions ---------------------------------------------------


@koperasi_view(Role.PENGURUS, Role.PENGAWAS)
def sessions(request: HttpRequest) -> HttpResponse:
    koperasi = _k(request)
    page = Paginator(selectors.sessions(koperasi=koperasi), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "savings/sessions.html",
        _ctx(
            request,
            page=page,
            differences=selectors.sessions_with_difference(koperasi=koperasi),
            query=_query(request),
        ),
    )


@require_POST
@koperasi_view(*MANAGERS)
def account_wajib(request: HttpRequest, savings_account_id: int) -> HttpResponse:
    item = selectors.account_get(koperasi=_k(request), account_id=savings_account_id)
    try:
        services.account_wajib_amount_set(
            account=item, actor=request.user, amount=request.POST.get("amount") or None
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Simpanan wajib khusus disimpan."))
    return redirect("savings:account", kode=_k(request).code, savings_account_id=item.pk)
