"""The kasir's counter under ``/k/<kode>/kasir/``: find a member, move money, print a receipt.

Thin views: every write is a service call; money moves only inside an open cash session.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from core.dates import business_date
from core.money import terbilang
from members import selectors as member_selectors
from members.models import Member
from members.services import MemberError
from registry.access import koperasi_view
from registry.models import Role
from savings import forms, selectors, services
from savings.models import Account, CashierSession, CounterRequest, Kind, Transaction
from savings.services._common import rupiah

WRITERS = (Role.KASIR, Role.PENGURUS)
SEARCH_MIN = 2
# Receipt papers: thermal rolls of 58 and 80 mm (what counters print on) and A6.
PAPERS = [("58", _lazy("Termal 58 mm")), ("80", _lazy("Termal 80 mm")), ("a6", "A6")]


def _paper(request: HttpRequest, default: str) -> str:
    """The paper asked for (``?kertas=58``), or ``default`` for anything else."""
    asked = request.GET.get("kertas", "")
    return asked if asked in dict(PAPERS) else default


def _k(request: HttpRequest) -> Any:
    return request.koperasi  # type: ignore[attr-defined]


def _ctx(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    roles = set(getattr(request, "roles", set()))
    koperasi = _k(request)
    return {
        "k": koperasi,
        "can_write": bool(roles & set(WRITERS)),
        "session": services.open_session(koperasi=koperasi, kasir=request.user),
        "business_date": business_date(koperasi),
        "nav_kasir": True,
        **extra,
    }


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _fresh(form: Any, exc: ValidationError, *, field: str | None) -> None:
    """A key already used for something else: the form comes back empty, with a new key, so
    the next send is a new transaction the kasir typed on purpose."""
    data = form.data.copy()
    data["idempotency_key"] = forms.new_key()
    data["amount"] = ""
    form.data = data
    form.add_error(field, exc.messages)


def _confirm(request: HttpRequest, exc: ValidationError, amount: Any) -> HttpResponse:
    """Above the confirmation level: the amount in figures and in words, and the same form
    (same key) to send again with ``confirmed``."""
    fields = [
        (k, v) for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "confirmed")
    ]
    return render(
        request,
        "savings/confirm.html",
        _ctx(
            request,
            message=_error_text(exc),
            amount=amount,
            words=terbilang(amount),
            fields=fields,
            action_url=request.path,
        ),
    )


def _ask_approval(
    request: HttpRequest,
    *,
    action: str,
    account: Account,
    amount: Any,
    memo: str,
    session: CashierSession | None,
    key: str,
    target: Account | None = None,
) -> HttpResponse:
    """Above the approval threshold: the transaction waits for a pengurus; nothing is posted."""
    try:
        pending = services.request_create(
            action=action,
            account=account,
            target=target,
            amount=amount,
            memo=memo,
            session=session,
            actor=request.user,
            idempotency_key=key,
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.warning(
            request,
            _(
                "%(what)s %(amt)s menunggu persetujuan pengurus (permintaan no. %(n)s); "
                "belum ada uang yang dicatat."
            )
            % {
                "what": pending.get_action_display(),
                "amt": rupiah(pending.amount),
                "n": pending.pk,
            },
        )
    return redirect("savings:counter_member", kode=_k(request).code, member_id=account.member_id)


def _session_or_redirect(request: HttpRequest) -> CashierSession | HttpResponse:
    session = services.open_session(koperasi=_k(request), kasir=request.user)
    if session is None:
        messages.error(request, _("Buka sesi kasir dulu dengan menghitung uang di laci."))
        return redirect("savings:counter", kode=_k(request).code)
    return session


# --- home, search, session ---------------------------------------------------------------------


@koperasi_view()
def counter(request: HttpRequest) -> HttpResponse:
    form = forms.SearchForm(request.GET or None)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    results = (
        member_selectors.member_search(koperasi=_k(request), q=q)
        if len(q) >= SEARCH_MIN or q.isdigit()
        else None
    )
    context = _ctx(request, form=form, q=q, results=results, search_min=SEARCH_MIN)
    session = context["session"]
    if session is not None:
        context["expected"] = services.session_expected(session)
    context["open_form"] = forms.CountForm(initial={"count": None})
    return render(request, "savings/counter.html", context)


@require_GET
@koperasi_view()
def search(request: HttpRequest) -> HttpResponse:
    """Live search for the counter (htmx): number, name, NIK or phone."""
    q = " ".join(request.GET.get("q", "").split())[:60]
    results = (
        member_selectors.member_search(koperasi=_k(request), q=q)
        if len(q) >= SEARCH_MIN or q.isdigit()
        else None
    )
    return render(request, "savings/_search_results.html", _ctx(request, q=q, results=results))


@require_POST
@koperasi_view(*WRITERS)
def session_open(request: HttpRequest) -> HttpResponse:
    form = forms.CountForm(request.POST)
    if form.is_valid():
        try:
            services.cashier_open(
                koperasi=_k(request),
                kasir=request.user,
                count=form.cleaned_data["count"],
                actor=request.user,
            )
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("Sesi kasir dibuka."))
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("savings:counter", kode=_k(request).code)


@koperasi_view(*WRITERS)
def session_close(request: HttpRequest) -> HttpResponse:
    """Count the drawer by pecahan (or one total) and close; then the session's summary."""
    session = services.open_session(koperasi=_k(request), kasir=request.user)
    if session is None:
        messages.error(request, _("Tidak ada sesi kasir yang terbuka."))
        return redirect("savings:counter", kode=_k(request).code)
    form = forms.CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            closed = services.cashier_close(
                session=session,
                count=form.cleaned_data["count"],
                denominations=form.pecahan(),
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("Sesi kasir ditutup."))
            if closed.difference:
                messages.warning(
                    request,
                    _("Selisih kas %(d)s dicatat dan dilaporkan kepada pengurus.")
                    % {"d": rupiah(closed.difference)},
                )
            return redirect("savings:session_detail", kode=_k(request).code, session_id=closed.pk)
    return render(
        request,
        "savings/session_close.html",
        _ctx(
            request,
            form=form,
            expected=services.session_expected(session),
            summary=services.session_summary(session),
        ),
        status=400 if form.errors else 200,
    )


@koperasi_view(*WRITERS)
def vault(request: HttpRequest) -> HttpResponse:
    """Cash between the vault (kas besar) and the kasir's drawer, both ways."""
    session = _session_or_redirect(request)
    if isinstance(session, HttpResponse):
        return session
    form = forms.VaultForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.vault_move(
                session=session,
                amount=form.cleaned_data["amount"],
                direction=form.cleaned_data["direction"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except ValidationError as exc:
            form.add_error("amount", exc.messages)
        else:
            messages.success(request, _("Pindah kas brankas dicatat."))
            return redirect("savings:vault", kode=_k(request).code)
    return render(
        request,
        "savings/vault.html",
        _ctx(
            request,
            form=form,
            expected=services.session_expected(session),
            moves=session.vault_moves.order_by("-id"),
        ),
        status=400 if form.errors else 200,
    )


# --- a member at the counter -------------------------------------------------------------------


def _member(request: HttpRequest, member_id: int) -> Member:
    return member_selectors.member_get(koperasi=_k(request), member_id=member_id)


@koperasi_view()
def member(request: HttpRequest, member_id: int) -> HttpResponse:
    m = _member(request, member_id)
    return _member_page(request, m)


def _member_page(
    request: HttpRequest,
    m: Member,
    *,
    status: int = 200,
    error_at: Any = None,
    error_form: Any = None,
) -> HttpResponse:
    """The member at the counter. ``error_at`` names the form that failed (an account id with
    ``deposit``/``withdraw``, or ``transfer``/``berjangka``) so only it shows its errors."""
    koperasi = _k(request)
    accounts = selectors.member_accounts(member=m)
    today = business_date(koperasi)
    arrears = selectors.member_arrears(member=m)
    for account in accounts:
        account.minimum = selectors.minimum_of(account, today)  # type: ignore[attr-defined]
        account.matured = bool(  # type: ignore[attr-defined]
            account.maturity_date and account.maturity_date <= today
        )
        account.owed = sum(  # type: ignore[attr-defined]
            (o.outstanding for o in arrears if o.account_id == account.pk), Decimal(0)
        )
        account.owed_months = sum(  # type: ignore[attr-defined]
            1 for o in arrears if o.account_id == account.pk
        )
        if account.kind == Kind.POKOK:
            account.pokok_left = selectors.pokok_left(account, today)  # type: ignore[attr-defined]
    context = _ctx(
        request,
        m=m,
        accounts=accounts,
        arrears=arrears,
        key=forms.new_key(),
        error_account=error_at[0] if isinstance(error_at, tuple) else None,
        error_action=error_at[1] if isinstance(error_at, tuple) else error_at,
        error_form=error_form,
        transfer_form=error_form if error_at == "transfer" else forms.TransferForm(member=m),
        berjangka_form=error_form
        if error_at == "berjangka"
        else forms.BerjangkaForm(koperasi=koperasi),
        recent=Transaction.objects.filter(account__member=m)
        .select_related("account", "account__product")
        .order_by("-pk")[:10],
    )
    return render(request, "savings/counter_member.html", context, status=status)


def _account(request: HttpRequest, account_id: int) -> Account:
    return selectors.account_get(koperasi=_k(request), account_id=account_id)


def _money_action(request: HttpRequest, savings_account_id: int, action: str) -> HttpResponse:
    account = _account(request, savings_account_id)
    session = _session_or_redirect(request)
    if isinstance(session, HttpResponse):
        return session
    form = forms.AmountForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        service = services.deposit if action == "deposit" else services.withdraw
        try:
            tx = service(
                account=account,
                amount=data["amount"],
                memo=data["memo"],
                actor=request.user,
                session=session,
                idempotency_key=data["idempotency_key"],
                confirmed=bool(request.POST.get("confirmed")),
            )
        except services.NeedsConfirmation as exc:
            return _confirm(request, exc, data["amount"])
        except services.NeedsApproval:
            return _ask_approval(
                request,
                action=CounterRequest.Action.DEPOSIT
                if action == "deposit"
                else CounterRequest.Action.WITHDRAW,
                account=account,
                amount=data["amount"],
                memo=data["memo"],
                session=session,
                key=data["idempotency_key"],
            )
        except services.IdempotencyConflict as exc:
            _fresh(form, exc, field="amount")
        except ValidationError as exc:
            form.add_error("amount", exc.messages)
        else:
            return redirect("savings:receipt", kode=_k(request).code, transaction_id=tx.pk)
    return _member_page(
        request, account.member, status=400, error_at=(account.pk, action), error_form=form
    )


@require_POST
@koperasi_view(*WRITERS)
def deposit(request: HttpRequest, savings_account_id: int) -> HttpResponse:
    return _money_action(request, savings_account_id, "deposit")


@require_POST
@koperasi_view(*WRITERS)
def withdraw(request: HttpRequest, savings_account_id: int) -> HttpResponse:
    return _money_action(request, savings_account_id, "withdraw")


@require_POST
@koperasi_view(*WRITERS)
def transfer(request: HttpRequest, member_id: int) -> HttpResponse:
    m = _member(request, member_id)
    form = forms.TransferForm(request.POST, member=m)
    if form.is_valid():
        data = form.cleaned_data
        try:
            out, _into = services.transfer(
                source=data["source"],
                target=data["target"],
                amount=data["amount"],
                actor=request.user,
                idempotency_key=data["idempotency_key"],
                confirmed=bool(request.POST.get("confirmed")),
            )
        except services.NeedsConfirmation as exc:
            return _confirm(request, exc, data["amount"])
        except services.NeedsApproval:
            return _ask_approval(
                request,
                action=CounterRequest.Action.TRANSFER,
                account=data["source"],
                target=data["target"],
                amount=data["amount"],
                memo="",
                session=None,
                key=data["idempotency_key"],
            )
        except services.IdempotencyConflict as exc:
            _fresh(form, exc, field=None)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            return redirect("savings:receipt", kode=_k(request).code, transaction_id=out.pk)
    return _member_page(request, m, status=400, error_at="transfer", error_form=form)


@require_POST
@koperasi_view(*WRITERS)
def berjangka_open(request: HttpRequest, member_id: int) -> HttpResponse:
    m = _member(request, member_id)
    koperasi = _k(request)
    form = forms.BerjangkaForm(request.POST, koperasi=koperasi)
    session = services.open_session(koperasi=koperasi, kasir=request.user)
    if form.is_valid():
        data = form.cleaned_data
        if data["via"] == "kas" and session is None:
            form.add_error(None, _("Buka sesi kasir dulu untuk menerima uang tunai."))
        else:
            try:
                placement = services.berjangka_open(
                    member=m,
                    product=data["product"],
                    amount=data["amount"],
                    tenor_months=data["tenor_months"],
                    via=data["via"],
                    at_maturity=data["at_maturity"],
                    actor=request.user,
                    session=session if data["via"] == "kas" else None,
                    idempotency_key=data["idempotency_key"],
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                tx = placement.transactions.order_by("pk").first()
                assert tx is not None
                return redirect("savings:receipt", kode=koperasi.code, transaction_id=tx.pk)
    return _member_page(request, m, status=400, error_at="berjangka", error_form=form)


@require_POST
@koperasi_view(*WRITERS)
def berjangka_close(request: HttpRequest, savings_account_id: int) -> HttpResponse:
    """Break a placement early (with the penalty) or process its maturity."""
    account = _account(request, savings_account_id)
    koperasi = _k(request)
    if account.kind != Kind.BERJANGKA:
        messages.error(request, _("Ini bukan rekening simpanan berjangka."))
        return redirect("savings:counter_member", kode=koperasi.code, member_id=account.member_id)
    form = forms.BreakForm(request.POST)
    session = services.open_session(koperasi=koperasi, kasir=request.user)
    try:
        if account.maturity_date and account.maturity_date <= business_date(koperasi):
            services.berjangka_mature(account=account, actor=request.user)
            messages.success(request, _("Simpanan berjangka jatuh tempo diproses."))
        elif form.is_valid():
            to = form.cleaned_data["to"]
            if to == "kas" and session is None:
                raise services.SavingsError(_("Buka sesi kasir dulu untuk membayar tunai."))
            services.berjangka_break(
                account=account,
                actor=request.user,
                to=to,
                session=session if to == "kas" else None,
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
            last = account.transactions.order_by("-pk").first()
            if last is not None:
                return redirect("savings:receipt", kode=koperasi.code, transaction_id=last.pk)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect("savings:counter_member", kode=koperasi.code, member_id=account.member_id)


# --- joining -----------------------------------------------------------------------------------


@koperasi_view(*WRITERS)
def join(request: HttpRequest) -> HttpResponse:
    """A new member pays simpanan pokok at the counter (member register + money, one step)."""
    koperasi = _k(request)
    form = forms.JoinForm(request.POST or None, koperasi=koperasi)
    session = services.open_session(koperasi=koperasi, kasir=request.user)
    if request.method == "POST" and form.is_valid():
        if session is None:
            form.add_error(None, _("Buka sesi kasir dulu untuk menerima simpanan pokok."))
        else:
            data = form.service_kwargs()
            key = data.pop("idempotency_key")
            try:
                result = services.member_join(
                    koperasi=koperasi,
                    actor=request.user,
                    session=session,
                    idempotency_key=key,
                    **data,
                )
            except MemberError as exc:
                if hasattr(exc, "error_dict"):
                    for name, errors in exc.error_dict.items():
                        form.add_error(name if name in form.fields else None, errors)
                else:
                    form.add_error(None, exc.messages)
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(
                    request,
                    _("%(name)s terdaftar sebagai anggota nomor %(n)s.")
                    % {"name": result.member.full_name, "n": result.member.number},
                )
                for warning in result.warnings:
                    messages.warning(request, _("Periksa: %(w)s") % {"w": warning})
                if result.transactions:
                    return redirect(
                        "savings:receipt",
                        kode=koperasi.code,
                        transaction_id=result.transactions[0].pk,
                    )
                return redirect(
                    "savings:counter_member", kode=koperasi.code, member_id=result.member.pk
                )
    return render(
        request,
        "savings/join.html",
        _ctx(
            request, form=form, next_number=member_selectors.next_number_preview(koperasi=koperasi)
        ),
        status=400 if form.errors else 200,
    )


# --- receipts ----------------------------------------------------------------------------------


def receipt_context(request: HttpRequest, transaction_id: int) -> dict[str, Any]:
    tx = selectors.transaction_get(koperasi=_k(request), transaction_id=transaction_id)
    lines = list(
        Transaction.objects.filter(entry=tx.entry)
        .select_related("account", "account__product")
        .order_by("pk")
    )
    later = (
        Transaction.objects.filter(account=tx.account, pk__gt=tx.pk).aggregate(s=Sum("amount"))["s"]
        or 0
    )
    total = sum((abs(t.amount) for t in lines if t.amount > 0), 0) or abs(tx.amount)
    return {
        "k": _k(request),
        "tx": tx,
        "lines": lines,
        "total": total,
        "balance_after": tx.account.balance - later,
        "short_hash": tx.entry.short_hash,
        "member": tx.account.member,
    }


@koperasi_view()
def receipt(request: HttpRequest, transaction_id: int) -> HttpResponse:
    context = receipt_context(request, transaction_id)
    context["pdf_url"] = reverse(
        "savings:receipt_pdf", kwargs={"kode": _k(request).code, "transaction_id": transaction_id}
    )
    context.update(_ctx(request), paper=_paper(request, "80"), papers=PAPERS)
    return render(request, "savings/receipt.html", context)


@koperasi_view()
def receipt_pdf(request: HttpRequest, transaction_id: int) -> HttpResponse:
    from weasyprint import HTML

    context = receipt_context(request, transaction_id)
    context["paper"] = _paper(request, "a6")
    html = render_to_string("savings/receipt_print.html", context, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="struk-{context["tx"].pk}.pdf"'
    return response
