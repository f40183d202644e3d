"""The books' pages under ``/k/<kode>/buku/``: thin views over the ledger services and reads.

Everyone who works in the koperasi (pengurus, kasir, pengawas) and its konsultan reads; only the
pengurus writes (manual entries, reversals, the chart, periods, the business date). Each list
downloads as CSV or XLSX with ``?format=csv`` / ``?format=xlsx`` and the same filters; the
statements and the neraca saldo also as an A4 PDF (``?format=pdf``), always in Indonesian.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.books import books_text
from core.dates import business_date, local_today, tanggal
from core.money import ZERO
from ledger import exports, reports, selectors, services, subledgers
from ledger.forms import (
    AccountForm,
    AsOfForm,
    BusinessDateForm,
    EntryForm,
    JournalFilterForm,
    LedgerFilterForm,
    LineFormSet,
    PeriodCloseForm,
    PeriodReopenForm,
    RangeForm,
    ReverseForm,
    RoleMapForm,
    default_range,
    line_formset,
)
from ledger.models import Account, JournalEntry
from registry.access import koperasi_view
from registry.models import Koperasi, Role

PAGE_SIZE = 50
LEDGER_PAGE_SIZE = 100
EXPORT_FORMATS = ("csv", "xlsx", "pdf")
# The pages whose list is a document the koperasi prints and signs, so also comes as a PDF.
PRINTABLE = {"trial_balance", "posisi_keuangan", "hasil_usaha"}


def _k(request: HttpRequest) -> Koperasi:
    return request.koperasi  # type: ignore[attr-defined,no-any-return]


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    koperasi = _k(request)
    return {
        "k": koperasi,
        "can_write": Role.PENGURUS in getattr(request, "roles", set()),
        "nav_ledger": True,
        "today": business_date(koperasi),
        **extra,
    }


def _export(
    request: HttpRequest, make: Callable[[], exports.Table], stamp: str
) -> HttpResponse | None:
    fmt = request.GET.get("format")
    if fmt not in EXPORT_FORMATS:
        return None
    match = request.resolver_match
    if fmt == "pdf" and (match is None or match.url_name not in PRINTABLE):
        return None  # only documents that are printed and signed come as PDF
    return exports.response(make(), fmt, koperasi=_k(request), stamp=stamp)


def _query(request: HttpRequest, *drop: str) -> str:
    """The current filters as a query string, without ``page``/``format`` (for links)."""
    query = request.GET.copy()
    for key in ("page", "format", *drop):
        query.pop(key, None)
    return query.urlencode()


def _service_error(exc: services.LedgerError) -> str:
    return " ".join(exc.messages)


def _stamp(day: dt.date) -> str:
    return f"{day:%Y%m%d}"


# --- overview -------------------------------------------------------------------------------


@koperasi_view()
def home(request: HttpRequest) -> HttpResponse:
    koperasi = _k(request)
    overview = reports.period_overview(koperasi=koperasi)
    recent = reports.with_totals(koperasi=koperasi, entries=reports.journal(koperasi=koperasi)[:5])
    return render(
        request,
        "ledger/home.html",
        _context(
            request,
            overview=overview,
            entries=reports.entry_count(koperasi=koperasi),
            recent=recent,
            sen=reports.has_sen(getattr(e, "total", None) for e in recent),
        ),
    )


# --- chart of accounts ----------------------------------------------------------------------


@koperasi_view()
def chart(request: HttpRequest) -> HttpResponse:
    koperasi = _k(request)
    rows = reports.chart(koperasi=koperasi)
    download = _export(
        request, lambda: exports.chart_table(rows), _stamp(local_today(koperasi.timezone))
    )
    if download is not None:
        return download
    return render(
        request,
        "ledger/chart.html",
        _context(
            request,
            rows=rows,
            roles=reports.role_mappings(koperasi=koperasi),
            sen=reports.has_sen(r.balance for r in rows),
        ),
    )


@require_POST
@koperasi_view(Role.PENGURUS)
def chart_setup(request: HttpRequest) -> HttpResponse:
    """Create the KSP template chart and its roles (what exists already is left alone)."""
    koperasi = _k(request)
    services.chart_setup(koperasi=koperasi, actor=request.user)
    messages.success(request, _("Bagan akun KSP dan peran akunnya sudah disiapkan."))
    return redirect("ledger:chart", kode=koperasi.code)


def _apply_errors(form: Any, exc: services.LedgerError) -> None:
    form.add_error(None, exc.messages)


@koperasi_view(Role.PENGURUS)
def account_create(request: HttpRequest) -> HttpResponse:
    koperasi = _k(request)
    form = AccountForm(request.POST or None, koperasi=koperasi)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = services.account_create(
                koperasi=koperasi,
                actor=request.user,
                code=data["code"],
                name=data["name"],
                klass=data["klass"],
                normal_side=data["normal_side"],
                parent=data["parent"],
                is_group=data["is_group"],
            )
        except services.LedgerError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Akun %(akun)s ditambahkan.") % {"akun": account})
            return redirect("ledger:chart", kode=koperasi.code)
    return render(
        request,
        "ledger/account_form.html",
        _context(request, form=form, title=_("Tambah akun")),
        status=400 if form.errors else 200,
    )


def _pk(value: Any) -> Any:
    return value.pk if isinstance(value, Account) else value


@koperasi_view(Role.PENGURUS)
def account_edit(request: HttpRequest, account_id: int) -> HttpResponse:
    koperasi = _k(request)
    account = get_object_or_404(Account, koperasi=koperasi, pk=account_id)
    initial = {
        "code": account.code,
        "name": account.name,
        "klass": account.klass,
        "normal_side": account.normal_side,
        "parent": account.parent_id,
        "is_group": account.is_group,
        "is_active": account.is_active,
    }
    form = AccountForm(request.POST or None, koperasi=koperasi, account=account, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = {key: data[key] for key in initial if _pk(data[key]) != initial[key]}
        try:
            account = services.account_update(account=account, actor=request.user, **changes)
        except services.LedgerError as exc:
            _apply_errors(form, exc)
        else:
            if changes:
                messages.success(request, _("Akun %(akun)s disimpan.") % {"akun": account})
            return redirect("ledger:chart", kode=koperasi.code)
    return render(
        request,
        "ledger/account_form.html",
        _context(
            request,
            form=form,
            account=account,
            title=_("Ubah akun %(akun)s") % {"akun": account},
            roles=[reports.role_label(r) for r in account.roles.values_list("role", flat=True)],
        ),
        status=400 if form.errors else 200,
    )


@koperasi_view(Role.PENGURUS)
def role_map(request: HttpRequest) -> HttpResponse:
    koperasi = _k(request)
    role = request.GET.get("peran", "")
    current = next((r for r in reports.role_mappings(koperasi=koperasi) if r[0] == role), None)
    initial = {"role": role, "account": current[2].pk if current and current[2] else None}
    form = RoleMapForm(request.POST or None, koperasi=koperasi, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.role_map(
                koperasi=koperasi,
                role=form.cleaned_data["role"],
                account=form.cleaned_data["account"],
                actor=request.user,
            )
        except services.LedgerError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("Peran %(peran)s sekarang memakai akun %(akun)s.")
                % {
                    "peran": reports.role_label(form.cleaned_data["role"]),
                    "akun": form.cleaned_data["account"],
                },
            )
            return redirect(reverse("ledger:chart", kwargs={"kode": koperasi.code}) + "#peran")
    return render(
        request,
        "ledger/role_form.html",
        _context(request, form=form, current=current),
        status=400 if form.errors else 200,
    )


# --- journal --------------------------------------------------------------------------------


@koperasi_view()
def journal_list(request: HttpRequest) -> HttpResponse:
    koperasi = _k(request)
    form = JournalFilterForm(request.GET or None, koperasi=koperasi)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {
            "date_from": data["date_from"],
            "date_to": data["date_to"],
            "kind": data["kind"] or None,
            "account": data["account"],
            "search": data["q"].strip() or None,
        }
    entries = reports.journal(koperasi=koperasi, **filters)
    subtitle = reports.describe_date_range(filters.get("date_from"), filters.get("date_to"))
    download = _export(
        request,
        lambda: exports.journal_table(reports.journal_postings(entries), subtitle=subtitle),
        _stamp(local_today(koperasi.timezone)),
    )
    if download is not None:
        return download
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = reports.with_totals(koperasi=koperasi, entries=page.object_list)
    return render(
        request,
        "ledger/journal_list.html",
        _context(
            request,
            form=form,
            page=page,
            query=_query(request),
            filtered=any(v for v in filters.values()),
            sen=reports.has_sen(getattr(e, "total", None) for e in page),
        ),
        status=400 if form.is_bound and form.errors else 200,
    )


@koperasi_view()
def entry_detail(request: HttpRequest, entry_id: int) -> HttpResponse:
    koperasi = _k(request)
    try:
        entry = selectors.entry_get(koperasi=koperasi, pk=entry_id)
    except JournalEntry.DoesNotExist as exc:
        raise Http404 from exc
    postings = list(entry.postings.all())
    reversals = list(entry.reversals.all())
    owner = subledgers.owner_of(entry)
    total_debit = sum((p.debit or ZERO for p in postings), ZERO)
    total_credit = sum((p.credit or ZERO for p in postings), ZERO)
    return render(
        request,
        "ledger/entry_detail.html",
        _context(
            request,
            entry=entry,
            postings=postings,
            reversals=reversals,
            total_debit=total_debit,
            total_credit=total_credit,
            kind=reports.kind_label(entry.kind),
            created=reports.local_time(koperasi, entry.created_at),
            zone=reports.zone_name(koperasi.timezone),
            reverse_form=ReverseForm(initial={"idempotency_key": EntryForm.new_key()}),
            subledger=owner,
            undo_url=owner.undo_url(entry) if owner is not None else None,
            sen=reports.has_sen([total_debit, *(p.amount for p in postings)]),
        ),
    )


@require_POST
@koperasi_view(Role.PENGURUS)
def entry_reverse(request: HttpRequest, entry_id: int) -> HttpResponse:
    koperasi = _k(request)
    entry = get_object_or_404(JournalEntry, koperasi=koperasi, pk=entry_id)
    form = ReverseForm(request.POST)
    back = redirect("ledger:entry", kode=koperasi.code, entry_id=entry.pk)
    if not form.is_valid():
        _form_errors(request, form)
        return back
    try:
        reversal = services.reverse(
            entry=entry,
            actor=request.user,
            memo=books_text(
                "Pembalikan %(nomor)s: %(alasan)s",
                nomor=entry.number,
                alasan=form.cleaned_data["reason"],
            ),
            idempotency_key=f"reverse:{form.cleaned_data['idempotency_key']}",
        )
    except services.LedgerError as exc:
        messages.error(request, _service_error(exc))
        return back
    messages.success(
        request,
        _("Jurnal %(nomor)s dibalik oleh %(balik)s.")
        % {"nomor": entry.number, "balik": reversal.number},
    )
    return redirect("ledger:entry", kode=koperasi.code, entry_id=reversal.pk)


def _raw_lines(data: Any, prefix: str) -> list[dict[str, str]]:
    try:
        count = int(data.get(f"{prefix}-TOTAL_FORMS", 0))
    except ValueError:
        count = 0
    count = max(0, min(count, LineFormSet.max_num))
    return [
        {
            name: data.get(f"{prefix}-{i}-{name}", "")
            for name in ("account", "debit", "credit", "memo")
        }
        for i in range(count)
    ]


@koperasi_view(Role.PENGURUS)
def entry_create(request: HttpRequest) -> HttpResponse:
    """Jurnal umum: the pengurus posts a balanced entry by hand; unbalanced is refused.

    The form carries an idempotency key made when it was first shown, so a double tap or a
    resend after a bad connection posts once. "Tambah baris" sends the form back with one more
    empty line, without posting (no JavaScript needed).
    """
    koperasi = _k(request)
    today = business_date(koperasi)
    prefix = "baris"
    status = 200
    if request.method == "POST" and "tambah" in request.POST:
        lines = _raw_lines(request.POST, prefix)
        form = EntryForm(
            initial={k: request.POST.get(k, "") for k in ("value_date", "memo", "idempotency_key")}
        )
        formset = line_formset(extra=1)(initial=lines, prefix=prefix, koperasi=koperasi)
    elif request.method == "POST":
        form = EntryForm(request.POST)
        formset = LineFormSet(request.POST, prefix=prefix, koperasi=koperasi)
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            key = f"manual:{data['idempotency_key']}"
            if data["value_date"] > today:
                form.add_error(
                    "value_date",
                    _("Tanggal buku tidak boleh sesudah tanggal buku koperasi (%(tgl)s).")
                    % {"tgl": today.strftime("%d/%m/%Y")},
                )
            else:
                repeat = reports.entry_with_key(koperasi=koperasi, key=key)
                try:
                    entry = services.post(
                        koperasi=koperasi,
                        lines=[
                            services.Line(
                                account=line["account"],
                                debit=line["debit"] or ZERO,
                                credit=line["credit"] or ZERO,
                                memo=line["memo"],
                            )
                            for line in formset.lines()
                        ],
                        kind=reports.MANUAL_KIND,
                        memo=data["memo"],
                        actor=request.user,
                        value_date=data["value_date"],
                        idempotency_key=key,
                    )
                except services.LedgerError as exc:
                    form.add_error(None, exc.messages)
                else:
                    if repeat is not None:
                        messages.info(
                            request,
                            _(
                                "Jurnal ini sudah diposting sebagai %(nomor)s; kiriman ulang tidak "
                                "diposting lagi."
                            )
                            % {"nomor": entry.number},
                        )
                    else:
                        messages.success(
                            request, _("Jurnal %(nomor)s diposting.") % {"nomor": entry.number}
                        )
                    return redirect("ledger:entry", kode=koperasi.code, entry_id=entry.pk)
        status = 400
    else:
        form = EntryForm(initial={"value_date": today, "idempotency_key": EntryForm.new_key()})
        formset = LineFormSet(prefix=prefix, koperasi=koperasi)
    debit, credit = formset.totals() if formset.is_bound else (ZERO, ZERO)
    return render(
        request,
        "ledger/entry_form.html",
        _context(
            request,
            form=form,
            formset=formset,
            total_debit=debit,
            total_credit=credit,
            max_lines=LineFormSet.max_num,
        ),
        status=status,
    )


# --- buku besar -----------------------------------------------------------------------------


def _dates(form: Any, fallback: tuple[dt.date, dt.date]) -> tuple[dt.date, dt.date]:
    if form.is_bound and form.is_valid():
        return form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    return fallback


@koperasi_view()
def general_ledger_pick(request: HttpRequest) -> HttpResponse:
    """Choose an account (and range) for the buku besar; a chosen one goes to its page."""
    koperasi = _k(request)
    start, end = default_range(business_date(koperasi))
    data = request.GET.copy() if request.GET else None
    if data is not None:
        data.setdefault("date_from", start.isoformat())
        data.setdefault("date_to", end.isoformat())
    form = LedgerFilterForm(data, koperasi=koperasi, initial={"date_from": start, "date_to": end})
    if form.is_bound and form.is_valid():
        url = reverse(
            "ledger:general_ledger",
            kwargs={"kode": koperasi.code, "account_id": form.cleaned_data["account"].pk},
        )
        query = urlencode(
            {
                "date_from": form.cleaned_data["date_from"].isoformat(),
                "date_to": form.cleaned_data["date_to"].isoformat(),
            }
        )
        return redirect(f"{url}?{query}")
    return render(
        request,
        "ledger/general_ledger.html",
        _context(request, form=form, gl=None),
        status=400 if form.is_bound and form.errors else 200,
    )


@koperasi_view()
def general_ledger(request: HttpRequest, account_id: int) -> HttpResponse:
    koperasi = _k(request)
    account = get_object_or_404(Account, koperasi=koperasi, pk=account_id)
    start, end = default_range(business_date(koperasi))
    data = request.GET.copy()
    data["account"] = str(account.pk)
    data.setdefault("date_from", start.isoformat())
    data.setdefault("date_to", end.isoformat())
    form = LedgerFilterForm(data, koperasi=koperasi)
    date_from, date_to = _dates(form, (start, end))
    if account.is_group:
        form = LedgerFilterForm(
            koperasi=koperasi, initial={"date_from": date_from, "date_to": date_to}
        )
        return render(
            request,
            "ledger/general_ledger.html",
            _context(
                request,
                form=form,
                gl=None,
                group=account,
                children=account.children.order_by("code"),
            ),
        )
    gl = selectors.general_ledger(
        koperasi=koperasi, account=account, date_from=date_from, date_to=date_to
    )
    sign = 1 if account.normal_side == Account.Side.DEBIT else -1
    download = _export(
        request,
        lambda: exports.general_ledger_table(gl, sign=sign),
        f"{account.code}-{_stamp(date_from)}-{_stamp(date_to)}",
    )
    if download is not None:
        return download
    page = Paginator(gl.rows, LEDGER_PAGE_SIZE).get_page(request.GET.get("page"))
    carried, page_from = gl.opening, gl.date_from
    if page.number > 1:
        before = gl.rows[page.start_index() - 2]
        carried, page_from = before.running, before.entry.value_date
    rows = [
        {
            "entry": r.entry,
            "memo": r.posting.memo or r.entry.memo,
            "debit": r.debit,
            "credit": r.credit,
            "running": reports.signed(r.running, sign),
        }
        for r in page.object_list
    ]
    return render(
        request,
        "ledger/general_ledger.html",
        _context(
            request,
            form=form,
            gl=gl,
            page=page,
            rows=rows,
            carried=reports.signed(carried, sign),
            page_from=page_from,
            opening=reports.signed(gl.opening, sign),
            closing=reports.signed(gl.closing, sign),
            query=_query(request),
            sen=reports.has_sen(
                [gl.opening, gl.closing, gl.total_debit, gl.total_credit]
                + [r.running for r in gl.rows]
                + [r.debit for r in gl.rows]
                + [r.credit for r in gl.rows]
            ),
        ),
        status=400 if form.errors else 200,
    )


# --- neraca saldo and statements ------------------------------------------------------------


@koperasi_view()
def trial_balance(request: HttpRequest) -> HttpResponse:
    koperasi = _k(request)
    today = business_date(koperasi)
    form = AsOfForm(request.GET or None, initial={"as_of": today})
    as_of, include_zero = today, False
    if form.is_bound and form.is_valid():
        as_of, include_zero = form.cleaned_data["as_of"], form.cleaned_data["semua"]
    tb = reports.trial_balance(koperasi=koperasi, as_of=as_of, include_zero=include_zero)
    download = _export(request, lambda: exports.trial_balance_table(tb), _stamp(as_of))
    if download is not None:
        return download
    # The sub-ledgers hold today's balances only: the check is shown for today's books.
    control = subledgers.reconcile(koperasi) if as_of >= today else None
    return render(
        request,
        "ledger/trial_balance.html",
        _context(
            request,
            form=form,
            tb=tb,
            control=control,
            control_ok=control is not None and all(c.ok for c in control),
            query=_query(request),
            sen=reports.has_sen([tb.total_debit, *(r.debit + r.credit for r in tb.rows)]),
        ),
        status=400 if form.is_bound and form.errors else 200,
    )


def _filters(request: HttpRequest) -> Any:
    """The query as form data, or None when it only asks for a file (``?format=pdf`` alone is
    the statement for the default dates, not a form left empty)."""
    return request.GET if set(request.GET) - {"format"} else None


def _statement_dates(form: forms.Form, *fields: str) -> list[dt.date] | None:
    """The form's dates when it is valid and a statement can be drawn for them; otherwise the
    form carries the message (a date such as 31-12-9999 is a message, not a server error)."""
    if not form.is_bound or not form.is_valid():
        return None
    days = [form.cleaned_data[f] for f in fields]
    error = reports.statement_date_error(*days)
    if error is not None:
        form.add_error(None, error)
        return None
    return days


def _statement_response(
    request: HttpRequest, form: forms.Form, fs: reports.FinancialStatement, stamp: str
) -> HttpResponse:
    """The statement as a page, or as CSV, XLSX or PDF with ``?format=`` (dates that were
    refused give the page with the message, not a file for other dates)."""
    if not form.errors:
        download = _export(request, lambda: exports.statement_table(fs), stamp)
        if download is not None:
            return download
    return render(
        request,
        "ledger/statement.html",
        _context(
            request,
            form=form,
            fs=fs,
            figures=fs.figures,
            report=fs.report,
            query=_query(request),
            pdf=True,
            sen=fs.sen,
        ),
        status=400 if form.is_bound and form.errors else 200,
    )


@koperasi_view()
def posisi_keuangan(request: HttpRequest) -> HttpResponse:
    koperasi = _k(request)
    today = business_date(koperasi)
    form = AsOfForm(_filters(request), initial={"as_of": today})
    days = _statement_dates(form, "as_of")
    as_of = days[0] if days else today
    fs = reports.neraca(koperasi=koperasi, as_of=as_of)
    return _statement_response(request, form, fs, _stamp(as_of))


@koperasi_view()
def hasil_usaha(request: HttpRequest) -> HttpResponse:
    koperasi = _k(request)
    start, end = default_range(business_date(koperasi))
    form = RangeForm(_filters(request), initial={"date_from": start, "date_to": end})
    days = _statement_dates(form, "date_from", "date_to")
    date_from, date_to = (days[0], days[1]) if days else (start, end)
    fs = reports.hasil_usaha(koperasi=koperasi, date_from=date_from, date_to=date_to)
    return _statement_response(request, form, fs, f"{_stamp(date_from)}-{_stamp(date_to)}")


# --- periods and the business date ----------------------------------------------------------


@koperasi_view()
def periods(request: HttpRequest) -> HttpResponse:
    koperasi = _k(request)
    overview = reports.period_overview(koperasi=koperasi)
    close_form = None
    if overview.next_to_close is not None:
        year, month = overview.next_to_close
        close_form = PeriodCloseForm(initial={"year": year, "month": month})
    return render(
        request,
        "ledger/periods.html",
        _context(
            request,
            overview=overview,
            close_form=close_form,
            next_label=reports.period_label(*overview.next_to_close)
            if overview.next_to_close
            else "",
            reopen_form=PeriodReopenForm(
                initial={"period": overview.latest_closed.pk if overview.latest_closed else ""}
            ),
            date_form=BusinessDateForm(),
            period_label=reports.period_label,
        ),
    )


def _form_errors(request: HttpRequest, form: Any) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))


@require_POST
@koperasi_view(Role.PENGURUS)
def period_close(request: HttpRequest) -> HttpResponse:
    koperasi = _k(request)
    form = PeriodCloseForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("ledger:periods", kode=koperasi.code)
    year, month = form.cleaned_data["year"], form.cleaned_data["month"]
    try:
        services.period_close(koperasi=koperasi, year=year, month=month, actor=request.user)
    except services.LedgerError as exc:
        messages.error(request, _service_error(exc))
    else:
        messages.success(
            request,
            _(
                "Periode %(p)s ditutup. Jurnal bertanggal sampai akhir bulan itu tidak dapat "
                "diposting lagi."
            )
            % {"p": reports.period_label(year, month)},
        )
    return redirect("ledger:periods", kode=koperasi.code)


@require_POST
@koperasi_view(Role.PENGURUS)
def period_reopen(request: HttpRequest) -> HttpResponse:
    koperasi = _k(request)
    form = PeriodReopenForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("ledger:periods", kode=koperasi.code)
    period = reports.period_get(koperasi=koperasi, pk=form.cleaned_data["period"])
    if period is None:
        raise Http404
    try:
        services.period_reopen(
            period=period, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except services.LedgerError as exc:
        messages.error(request, _service_error(exc))
    else:
        messages.success(
            request,
            _("Periode %(p)s dibuka kembali.")
            % {"p": reports.period_label(period.year, period.month)},
        )
    return redirect("ledger:periods", kode=koperasi.code)


@require_POST
@koperasi_view(Role.PENGURUS)
def business_date_advance(request: HttpRequest) -> HttpResponse:
    koperasi = _k(request)
    form = BusinessDateForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("ledger:periods", kode=koperasi.code)
    try:
        updated = services.business_date_advance(
            koperasi=koperasi, actor=request.user, days=form.cleaned_data["days"]
        )
    except services.LedgerError as exc:
        messages.error(request, _service_error(exc))
    else:
        messages.success(
            request,
            _("Tanggal buku sekarang %(tgl)s.") % {"tgl": tanggal(business_date(updated))},
        )
    return redirect("ledger:periods", kode=koperasi.code)
