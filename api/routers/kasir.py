"""The kasir's counter over the API (``/api/v1/kasir/``): find a member, see their accounts and
loans, deposit, withdraw, take a loan repayment, read a receipt.

The same services, limits and rules as the counter pages (``savings.counter_views``,
``loans.loan_views``): money moves only inside the kasir's open cash session; above the
confirmation level the client sends ``confirmed`` after showing the amount in words; above the
approval threshold a deposit or withdrawal waits for a pengurus (202, nothing posted)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Sum
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from api.auth import WRITERS, StaffToken
from api.idempotency import idempotent, service_key
from api.schemas import ERRORS, WRITE_ERRORS, AmountIn, IdempotencyKey, Money, money
from api.services import ApiError
from core.dates import business_date
from core.money import format_rupiah, terbilang
from core.validators import mask_nik
from ledger.models import Posting
from loans import services as loan_services
from loans.models import Loan, LoanStatus, LoanTransaction
from members import selectors as member_selectors
from savings import selectors, services
from savings.counter_views import SEARCH_MIN, receipt_context
from savings.models import CounterRequest, Withdrawable

router = Router(auth=StaffToken(), tags=["kasir"])
write = StaffToken(*WRITERS)


def _k(request: HttpRequest) -> Any:
    return request.koperasi  # type: ignore[attr-defined]


# --- shapes ------------------------------------------------------------------------------------


class SessionOut(Schema):
    id: int
    business_date: dt.date
    opened_at: dt.datetime
    opening_count: Money
    expected_cash: Money


class MeOut(Schema):
    username: str
    name: str
    koperasi_code: str
    koperasi_name: str
    roles: list[str]
    business_date: dt.date
    session: SessionOut | None


class MemberBrief(Schema):
    id: int
    number: str
    full_name: str
    nik: str = Field(description="NIK yang disamarkan")
    phone: str
    status: str


class AccountOut(Schema):
    id: int
    number: str
    kind: str
    product: str
    balance: Money
    minimum_balance: Money
    withdrawable: bool
    wajib_arrears: Money
    maturity_date: dt.date | None


class LoanBrief(Schema):
    id: int
    number: str
    product: str
    status: str
    principal: Money
    outstanding_principal: Money
    amount_due: Money
    payoff: Money
    days_past_due: int


class MemberOut(MemberBrief):
    accounts: list[AccountOut]
    loans: list[LoanBrief]


class MoneyIn(Schema):
    amount: AmountIn
    memo: str = Field("", max_length=200)
    confirmed: bool = Field(
        False, description="Jumlah dalam huruf sudah dibacakan/dilihat (di atas batas konfirmasi)."
    )


class RepayIn(Schema):
    amount: AmountIn | None = Field(None, description="Kosong untuk pelunasan: jumlah pelunasan.")
    via: str = Field("kas", pattern="^(kas|sukarela)$")
    settle: bool = Field(False, description="Pelunasan dipercepat.")
    confirmed: bool = False


class ReceiptLine(Schema):
    account: str
    product: str
    kind: str
    amount: Money


class ReceiptOut(Schema):
    transaction_id: int
    kind: str
    value_date: dt.date
    member_number: str
    member_name: str
    account: str
    amount: Money
    amount_words: str
    balance_after: Money
    entry_number: str
    short_hash: str
    lines: list[ReceiptLine]


class PendingOut(Schema):
    request_id: int
    status: str
    detail: str


class LoanReceiptOut(Schema):
    loan_transaction_id: int
    kind: str
    value_date: dt.date
    loan_number: str
    member_number: str
    member_name: str
    total: Money
    amount_words: str
    principal: Money
    interest: Money
    denda: Money
    outstanding_principal: Money
    entry_number: str
    short_hash: str


# --- reads -------------------------------------------------------------------------------------


def _session_out(session: Any) -> SessionOut | None:
    if session is None:
        return None
    return SessionOut(
        id=session.pk,
        business_date=session.business_date,
        opened_at=session.opened_at,
        opening_count=money(session.opening_count),
        expected_cash=money(services.session_expected(session)),
    )


@router.get("/saya", response={200: MeOut, **ERRORS}, url_name="kasir_me")
def me(request: HttpRequest) -> MeOut:
    """Who the token acts for, where, and the kasir's open cash session (if any)."""
    koperasi = _k(request)
    user = request.user
    return MeOut(
        username=user.get_username(),
        name=user.get_full_name() or user.get_username(),  # type: ignore[union-attr]
        koperasi_code=koperasi.code,
        koperasi_name=koperasi.name,
        roles=sorted(request.roles),  # type: ignore[attr-defined]
        business_date=business_date(koperasi),
        session=_session_out(services.open_session(koperasi=koperasi, kasir=user)),
    )


def _brief(m: Any) -> MemberBrief:
    return MemberBrief(
        id=m.pk,
        number=m.number,
        full_name=m.full_name,
        nik=mask_nik(m.nik),
        phone=m.phone,
        status=m.status,
    )


@router.get("/anggota", response={200: list[MemberBrief], **ERRORS}, url_name="kasir_search")
def search(request: HttpRequest, q: Query[str] = "", limit: Query[int] = 20) -> list[MemberBrief]:
    """Members by number, name, NIK or phone (as the counter's search: at least two letters or
    a number)."""
    q = " ".join(q.split())[:60]
    if not (len(q) >= SEARCH_MIN or q.isdigit()):
        return []
    found = member_selectors.member_search(koperasi=_k(request), q=q, limit=max(1, min(limit, 50)))
    return [_brief(m) for m in found]


def _loans_of(member: Any, today: dt.date) -> list[LoanBrief]:
    rows = []
    loans = Loan.objects.filter(member=member, status=LoanStatus.AKTIF).select_related("product")
    for loan in loans.order_by("pk"):
        rows.append(
            LoanBrief(
                id=loan.pk,
                number=loan.number,
                product=loan.product.name,
                status=loan.status,
                principal=money(loan.principal),
                outstanding_principal=money(loan.outstanding_principal),
                amount_due=money(loan_services.amount_due(loan, today)),
                payoff=money(loan_services.loan_payoff_quote(loan=loan, on=today).total),
                days_past_due=loan.days_past_due,
            )
        )
    return rows


@router.get("/anggota/{member_id}", response={200: MemberOut, **ERRORS}, url_name="kasir_member")
def member(request: HttpRequest, member_id: int) -> MemberOut:
    """A member at the counter: open accounts with balances and wajib arrears, running loans
    with what is due today."""
    koperasi = _k(request)
    m = member_selectors.member_get(koperasi=koperasi, member_id=member_id)
    today = business_date(koperasi)
    arrears = selectors.member_arrears(member=m)
    accounts = [
        AccountOut(
            id=a.pk,
            number=a.number,
            kind=a.kind,
            product=a.product.name,
            balance=money(a.balance),
            minimum_balance=money(selectors.minimum_of(a, today)),
            withdrawable=a.product.withdrawable == Withdrawable.ANY_TIME,
            wajib_arrears=money(sum((o.outstanding for o in arrears if o.account_id == a.pk), 0)),
            maturity_date=a.maturity_date,
        )
        for a in selectors.member_accounts(member=m)
    ]
    return MemberOut(**_brief(m).model_dump(), accounts=accounts, loans=_loans_of(m, today))


def _receipt(request: HttpRequest, transaction_id: int) -> ReceiptOut:
    context = receipt_context(request, transaction_id)
    tx = context["tx"]
    return ReceiptOut(
        transaction_id=tx.pk,
        kind=tx.kind,
        value_date=tx.value_date,
        member_number=context["member"].number,
        member_name=context["member"].full_name,
        account=tx.account.number,
        amount=money(abs(tx.amount)),
        amount_words=terbilang(abs(tx.amount)),
        balance_after=money(context["balance_after"]),
        entry_number=tx.entry.number,
        short_hash=context["short_hash"],
        lines=[
            ReceiptLine(
                account=t.account.number,
                product=t.account.product.name,
                kind=t.kind,
                amount=money(t.amount),
            )
            for t in context["lines"]
        ],
    )


@router.get(
    "/struk/{transaction_id}", response={200: ReceiptOut, **ERRORS}, url_name="kasir_receipt"
)
def receipt(request: HttpRequest, transaction_id: int) -> ReceiptOut:
    """A savings receipt, with its entry's short hash (the code a member can check)."""
    return _receipt(request, transaction_id)


def _loan_receipt(tx: LoanTransaction) -> LoanReceiptOut:
    total = Posting.objects.filter(entry=tx.entry, amount__gt=0).aggregate(s=Sum("amount"))["s"]
    loan = tx.loan
    return LoanReceiptOut(
        loan_transaction_id=tx.pk,
        kind=tx.kind,
        value_date=tx.value_date,
        loan_number=loan.number,
        member_number=loan.member.number,
        member_name=loan.member.full_name,
        total=money(total),
        amount_words=terbilang(total or 0),
        principal=money(-tx.principal),
        interest=money(tx.interest_paid),
        denda=money(tx.denda_paid),
        outstanding_principal=money(loan.outstanding_principal),
        entry_number=tx.entry.number,
        short_hash=tx.entry.short_hash,
    )


@router.get(
    "/struk-pinjaman/{loan_tx_id}",
    response={200: LoanReceiptOut, **ERRORS},
    url_name="kasir_loan_receipt",
)
def loan_receipt(request: HttpRequest, loan_tx_id: int) -> LoanReceiptOut:
    """A loan repayment's receipt (or its disbursement's), with the entry's short hash."""
    tx = (
        LoanTransaction.objects.select_related("loan__member", "entry")
        .filter(
            koperasi=_k(request), pk=loan_tx_id, kind__in=("pencairan", "angsuran", "pelunasan")
        )
        .first()
    )
    if tx is None:
        raise Http404
    return _loan_receipt(tx)


# --- writes ------------------------------------------------------------------------------------


class CountIn(Schema):
    count: AmountIn = Field(..., description="Uang tunai yang dihitung di laci.")
    note: str = Field("", max_length=250, description="Keterangan selisih (saat menutup).")


@router.post(
    "/sesi/buka",
    auth=write,
    response={201: SessionOut, **WRITE_ERRORS},
    url_name="kasir_session_open",
)
def session_open(
    request: HttpRequest, payload: CountIn, idempotency_key: IdempotencyKey
) -> Status[Any]:
    """Start the kasir's day with the cash counted in the drawer (as the counter page)."""

    def run() -> tuple[int, Schema]:
        session = services.cashier_open(
            koperasi=_k(request), kasir=request.user, count=payload.count, actor=request.user
        )
        out = _session_out(session)
        assert out is not None
        return 201, out

    return idempotent(request, key=idempotency_key, payload=payload, run=run)


class ClosedOut(Schema):
    id: int
    closing_count: Money
    expected: Money
    difference: Money


@router.post(
    "/sesi/tutup",
    auth=write,
    response={200: ClosedOut, **WRITE_ERRORS},
    url_name="kasir_session_close",
)
def session_close(
    request: HttpRequest, payload: CountIn, idempotency_key: IdempotencyKey
) -> Status[Any]:
    """End the day with a count; a difference needs a note and is posted to selisih kas."""

    def run() -> tuple[int, Schema]:
        session = _session_or_refuse(request)
        closed = services.cashier_close(
            session=session, count=payload.count, note=payload.note, actor=request.user
        )
        return 200, ClosedOut(
            id=closed.pk,
            closing_count=money(closed.closing_count),
            expected=money(closed.expected),
            difference=money(closed.difference),
        )

    return idempotent(request, key=idempotency_key, payload=payload, run=run)


def _session_or_refuse(request: HttpRequest) -> Any:
    session = services.open_session(koperasi=_k(request), kasir=request.user)
    if session is None:
        raise ApiError(
            _("Buka sesi kasir dulu dengan menghitung uang di laci."), code="session", status=409
        )
    return session


def _money_action(
    request: HttpRequest, savings_account_id: int, payload: MoneyIn, key: str, action: str
) -> Status[Any]:
    def run() -> tuple[int, Schema]:
        account = selectors.account_get(koperasi=_k(request), account_id=savings_account_id)
        session = _session_or_refuse(request)
        service = services.deposit if action == "deposit" else services.withdraw
        keyed = service_key(request.auth, key)  # type: ignore[attr-defined]
        try:
            tx = service(
                account=account,
                amount=payload.amount,
                memo=payload.memo,
                actor=request.user,
                session=session,
                idempotency_key=keyed,
                confirmed=payload.confirmed,
            )
        except services.NeedsApproval:
            pending = services.request_create(
                action=CounterRequest.Action.DEPOSIT
                if action == "deposit"
                else CounterRequest.Action.WITHDRAW,
                account=account,
                amount=payload.amount,
                memo=payload.memo,
                session=session,
                actor=request.user,
                idempotency_key=keyed,
            )
            return 202, PendingOut(
                request_id=pending.pk,
                status=pending.status,
                detail=_(
                    "%(what)s %(amt)s menunggu persetujuan pengurus (permintaan no. %(n)s); "
                    "belum ada uang yang dicatat."
                )
                % {
                    "what": pending.get_action_display(),
                    "amt": format_rupiah(pending.amount),
                    "n": pending.pk,
                },
            )
        return 201, _receipt(request, tx.pk)

    return idempotent(request, key=key, payload=payload, run=run)


@router.post(
    "/rekening/{savings_account_id}/setor",
    auth=write,
    response={201: ReceiptOut, 202: PendingOut, **WRITE_ERRORS},
    url_name="kasir_deposit",
)
def deposit(
    request: HttpRequest,
    savings_account_id: int,
    payload: MoneyIn,
    idempotency_key: IdempotencyKey,
) -> Status[Any]:
    """Setoran into a member's account from the kasir's drawer."""
    return _money_action(request, savings_account_id, payload, idempotency_key, "deposit")


@router.post(
    "/rekening/{savings_account_id}/tarik",
    auth=write,
    response={201: ReceiptOut, 202: PendingOut, **WRITE_ERRORS},
    url_name="kasir_withdraw",
)
def withdraw(
    request: HttpRequest,
    savings_account_id: int,
    payload: MoneyIn,
    idempotency_key: IdempotencyKey,
) -> Status[Any]:
    """Penarikan from a withdrawable account, paid from the kasir's drawer."""
    return _money_action(request, savings_account_id, payload, idempotency_key, "withdraw")


@router.post(
    "/pinjaman/{loan_id}/bayar",
    auth=write,
    response={201: LoanReceiptOut, **WRITE_ERRORS},
    url_name="kasir_loan_repay",
)
def loan_repay(
    request: HttpRequest,
    loan_id: int,
    payload: RepayIn,
    idempotency_key: IdempotencyKey,
) -> Status[Any]:
    """An instalment (or, with ``settle``, the early settlement) of a running loan, in cash
    into the kasir's drawer or from the member's sukarela."""

    def run() -> tuple[int, Schema]:
        loan = (
            Loan.objects.select_related("member", "product", "terms")
            .filter(koperasi=_k(request), pk=loan_id)
            .first()
        )
        if loan is None:
            raise Http404
        if not loan.is_active:
            raise ApiError(_("Pinjaman ini tidak sedang berjalan."), code="loan_closed", status=409)
        session = services.open_session(koperasi=_k(request), kasir=request.user)
        kwargs: dict[str, Any] = {
            "loan": loan,
            "via": payload.via,
            "actor": request.user,
            "session": session,
            "idempotency_key": service_key(request.auth, idempotency_key),  # type: ignore[attr-defined]
            "confirmed": payload.confirmed,
        }
        if payload.settle:
            tx = loan_services.loan_settle_early(amount=payload.amount, **kwargs)
        else:
            if payload.amount is None:
                raise ApiError(_("Jumlah pembayaran wajib diisi."), code="amount", status=422)
            tx = loan_services.loan_repay(amount=payload.amount, **kwargs)
        tx = LoanTransaction.objects.select_related("loan__member", "entry").get(pk=tx.pk)
        return 201, _loan_receipt(tx)

    return idempotent(request, key=idempotency_key, payload=payload, run=run)
