"""The member's own data over the API (``/api/v1/anggota/``), for the members' app on a phone.

Everything is read through ``portal.selectors`` (scoped to the token's member: another member's
account, loan or receipt is a 404 before any of this runs, see :mod:`api.auth`), and the one write
(a loan application) goes through ``portal.services.loan_request``. Nothing here moves money."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from api.auth import MemberToken
from api.idempotency import idempotent, service_key
from api.schemas import AMOUNT_PATTERN, ERRORS, WRITE_ERRORS, AmountIn, IdempotencyKey, Money, money
from api.services import ApiError
from core import money as m
from loans.selectors import terms_in_force
from portal import selectors, services

router = Router(auth=MemberToken(), tags=["anggota"])


def _member(request: HttpRequest) -> Any:
    return request.auth.member  # type: ignore[attr-defined]


def _seen(request: HttpRequest, screen: str) -> None:
    """Adoption: the screen was used today (by name only, no figures)."""
    services.record_activity(member=_member(request), screen=f"api:{screen}")


# --- shapes ------------------------------------------------------------------------------------


class AccountOut(Schema):
    id: int
    number: str
    kind: str
    product: str
    balance: Money


class NextInstalmentOut(Schema):
    loan_id: int
    loan_number: str
    due_date: dt.date
    amount: Money


class BerandaOut(Schema):
    member_number: str
    member_name: str
    koperasi_name: str
    business_date: dt.date
    data_as_of: dt.datetime
    accounts: list[AccountOut]
    total_savings: Money
    next_instalment: NextInstalmentOut | None
    overdue_count: int
    overdue_amount: Money
    wajib_months_unpaid: int
    wajib_amount_unpaid: Money
    pending_applications: int


class MutationOut(Schema):
    transaction_id: int
    value_date: dt.date
    kind: str
    memo: str
    amount: Money
    balance_after: Money
    short_hash: str


class MutasiOut(Schema):
    account: AccountOut
    page: int
    pages: int
    total: int
    rows: list[MutationOut]


class LoanOut(Schema):
    id: int
    number: str
    product: str
    status: str
    status_label: str
    principal: Money
    outstanding_principal: Money
    tenor: int
    applied_on: dt.date
    disbursed_on: dt.date | None
    maturity_date: dt.date | None


class InstalmentOut(Schema):
    number: int
    due_date: dt.date
    principal: Money
    interest: Money
    denda: Money
    paid: Money
    owed: Money
    paid_on: dt.date | None


class LoanDetailOut(LoanOut):
    paid_count: int
    total_paid: Money
    from_app: bool
    instalments: list[InstalmentOut]


class ProductOut(Schema):
    id: int
    code: str
    name: str
    method: str
    min_amount: Money
    max_amount: Money
    min_tenor: int
    max_tenor: int


class SimulationOut(Schema):
    method: str
    label: str
    first_instalment: Money
    total_interest: Money
    fees: Money
    received: Money
    effective_annual_percent: str = Field(..., examples=["21.46"])
    compounded_annual_percent: str = Field(..., examples=["23.70"])
    above_cap: bool


class ApplicationIn(Schema):
    loan_product_id: int = Field(..., ge=1)
    amount: AmountIn
    tenor: int = Field(..., ge=1, le=600)
    purpose: str = Field("", max_length=200)


class ReceiptOut(Schema):
    kind: str = Field(..., description="s: simpanan, p: pinjaman")
    id: int
    value_date: dt.date
    label: str
    what: str
    amount: Money
    short_hash: str


class ObligationOut(Schema):
    period: dt.date
    amount: Money
    paid: Money
    outstanding: Money


class WajibOut(Schema):
    account_number: str | None
    balance: Money
    unpaid: list[ObligationOut]
    total_unpaid: Money
    paid_recently: list[ObligationOut]


# --- reads -------------------------------------------------------------------------------------


def _account(a: Any) -> AccountOut:
    return AccountOut(
        id=a.pk, number=a.number, kind=a.kind, product=a.product.name, balance=money(a.balance)
    )


@router.get("/beranda", response={200: BerandaOut, **ERRORS}, url_name="member_beranda")
def beranda(request: HttpRequest) -> BerandaOut:
    """The first screen: each simpanan's balance, the next instalment, arrears warnings."""
    b = selectors.beranda(member=_member(request))
    _seen(request, "beranda")
    nxt = b.next_instalment
    return BerandaOut(
        member_number=b.member.number,
        member_name=b.member.full_name,
        koperasi_name=b.member.koperasi.name,
        business_date=b.today,
        data_as_of=b.as_of,
        accounts=[_account(a) for a in b.accounts],
        total_savings=money(b.total_savings),
        next_instalment=NextInstalmentOut(
            loan_id=nxt.loan.pk,
            loan_number=nxt.loan.number,
            due_date=nxt.due_date,
            amount=money(nxt.amount),
        )
        if nxt
        else None,
        overdue_count=b.overdue_count,
        overdue_amount=money(b.overdue_amount),
        wajib_months_unpaid=b.wajib_months,
        wajib_amount_unpaid=money(b.wajib_amount),
        pending_applications=b.pending_applications,
    )


@router.get("/rekening", response={200: list[AccountOut], **ERRORS}, url_name="member_accounts")
def accounts(request: HttpRequest) -> list[AccountOut]:
    return [_account(a) for a in selectors.beranda(member=_member(request)).accounts]


@router.get(
    "/rekening/{savings_account_id}/mutasi",
    response={200: MutasiOut, **ERRORS},
    url_name="member_mutations",
)
def mutasi(
    request: HttpRequest, savings_account_id: int, page: int = Query(1, ge=1, le=100000)
) -> MutasiOut:
    """The account's movements, newest first, 20 a page, each with the balance after it."""
    found = selectors.mutations(member=_member(request), account_id=savings_account_id, page=page)
    _seen(request, "mutasi")
    return MutasiOut(
        account=_account(found.account),
        page=found.page.number,
        pages=found.page.paginator.num_pages,
        total=found.page.paginator.count,
        rows=[
            MutationOut(
                transaction_id=r.tx.pk,
                value_date=r.tx.value_date,
                kind=r.tx.kind,
                memo=r.tx.memo,
                amount=money(r.tx.amount),
                balance_after=money(r.balance),
                short_hash=r.tx.entry.short_hash,
            )
            for r in found.rows
        ],
    )


def _loan(loan: Any) -> dict[str, Any]:
    return {
        "id": loan.pk,
        "number": loan.number,
        "product": loan.product.name,
        "status": loan.status,
        "status_label": str(loan.get_status_display()),
        "principal": money(loan.principal),
        "outstanding_principal": money(loan.outstanding_principal),
        "tenor": loan.tenor,
        "applied_on": loan.applied_on,
        "disbursed_on": loan.disbursed_on,
        "maturity_date": loan.maturity_date,
    }


@router.get("/pinjaman", response={200: list[LoanOut], **ERRORS}, url_name="member_loans")
def loans(request: HttpRequest) -> list[LoanOut]:
    """Applications (with their status), running and ended loans."""
    _seen(request, "pinjaman")
    return [LoanOut(**_loan(loan)) for loan in selectors.loans(member=_member(request))]


@router.get("/pinjaman/{loan_id}", response={200: LoanDetailOut, **ERRORS}, url_name="member_loan")
def loan(request: HttpRequest, loan_id: int) -> LoanDetailOut:
    """One loan with its schedule: paid and unpaid instalments, what is owed."""
    d = selectors.loan_detail(member=_member(request), loan_id=loan_id)
    _seen(request, "pinjaman")
    rows = [
        InstalmentOut(
            number=i.number,
            due_date=i.due_date,
            principal=money(i.principal_due),
            interest=money(i.interest_due),
            denda=money(i.denda_due - i.denda_waived),
            paid=money(i.principal_paid + i.interest_paid + i.denda_paid),
            owed=money(i.owed),
            paid_on=i.paid_on,
        )
        for i in d.instalments
    ]
    return LoanDetailOut(
        **_loan(d.loan),
        paid_count=d.paid_count,
        total_paid=money(d.total_paid),
        from_app=d.from_app,
        instalments=rows,
    )


@router.get("/produk", response={200: list[ProductOut], **ERRORS}, url_name="member_products")
def products(request: HttpRequest) -> list[ProductOut]:
    """The koperasi's loan products with the terms in force today."""
    out = []
    for p in selectors.products(koperasi=_member(request).koperasi):
        t = p.current_terms  # type: ignore[attr-defined]
        out.append(
            ProductOut(
                id=p.pk,
                code=p.code,
                name=p.name,
                method=t.method,
                min_amount=money(t.min_amount),
                max_amount=money(t.max_amount),
                min_tenor=t.min_tenor,
                max_tenor=t.max_tenor,
            )
        )
    return out


def _terms(koperasi: Any, product: Any) -> Any:
    from core.dates import business_date

    terms = getattr(product, "current_terms", None) or terms_in_force(
        product=product, on=business_date(koperasi)
    )
    if terms is None:
        raise ApiError(
            _("Produk ini belum punya ketentuan yang berlaku."), code="terms", status=422
        )
    return terms


@router.get(
    "/produk/{loan_product_id}/simulasi",
    response={200: list[SimulationOut], **ERRORS},
    url_name="member_simulate",
)
def simulate(
    request: HttpRequest,
    loan_product_id: int,
    amount: str = Query(..., pattern=AMOUNT_PATTERN, examples=["5000000"]),
    tenor: int = Query(..., ge=1, le=600),
) -> list[SimulationOut]:
    """The same loan as flat, anuitas and menurun side by side (the product's own method first),
    each with its effective annual rate (12 × the monthly IRR) and the compounded rate."""
    koperasi = _member(request).koperasi
    product = selectors.product_of(koperasi=koperasi, product_id=loan_product_id)
    terms = _terms(koperasi, product)
    value = m.money(amount)
    if not terms.min_amount <= value <= terms.max_amount:
        raise ApiError(
            _("Jumlah pinjaman %(p)s: %(a)s sampai %(b)s.")
            % {
                "p": product.name,
                "a": m.format_rupiah(terms.min_amount),
                "b": m.format_rupiah(terms.max_amount),
            },
            code="amount",
            status=422,
        )
    if not terms.min_tenor <= tenor <= terms.max_tenor:
        raise ApiError(
            _("Jangka waktu pinjaman %(p)s: %(a)s sampai %(b)s angsuran.")
            % {"p": product.name, "a": terms.min_tenor, "b": terms.max_tenor},
            code="tenor",
            status=422,
        )
    _seen(request, "simulasi")
    return [
        SimulationOut(
            method=s.method,
            label=str(s.label),
            first_instalment=money(s.first.total),
            total_interest=money(s.schedule.total_interest),
            fees=money(s.fees),
            received=money(s.received),
            effective_annual_percent=f"{s.rate.annual_percent:.2f}",
            compounded_annual_percent=f"{s.rate.compounded_percent:.2f}",
            above_cap=s.warning is not None,
        )
        for s in selectors.simulate(koperasi=koperasi, product=product, amount=value, tenor=tenor)
    ]


def _receipt(r: Any) -> ReceiptOut:
    return ReceiptOut(
        kind=r.kind,
        id=r.pk,
        value_date=r.on,
        label=str(r.label),
        what=r.what,
        amount=money(r.amount),
        short_hash=r.short_hash,
    )


@router.get("/struk", response={200: list[ReceiptOut], **ERRORS}, url_name="member_receipts")
def receipts(request: HttpRequest) -> list[ReceiptOut]:
    """The latest receipts, each with its ledger entry's short hash (the verification code)."""
    _seen(request, "struk")
    return [_receipt(r) for r in selectors.receipts(member=_member(request))]


@router.get(
    "/struk/{transaction_id}", response={200: ReceiptOut, **ERRORS}, url_name="member_receipt"
)
def receipt(request: HttpRequest, transaction_id: int) -> ReceiptOut:
    return _receipt(
        selectors.savings_receipt(member=_member(request), transaction_id=transaction_id)
    )


@router.get(
    "/struk-pinjaman/{loan_tx_id}",
    response={200: ReceiptOut, **ERRORS},
    url_name="member_loan_receipt",
)
def loan_receipt(request: HttpRequest, loan_tx_id: int) -> ReceiptOut:
    return _receipt(selectors.loan_receipt(member=_member(request), loan_tx_id=loan_tx_id))


def _obligation(o: Any) -> ObligationOut:
    return ObligationOut(
        period=o.period,
        amount=money(o.amount),
        paid=money(o.paid),
        outstanding=money(o.outstanding),
    )


@router.get("/wajib", response={200: WajibOut, **ERRORS}, url_name="member_wajib")
def wajib(request: HttpRequest) -> WajibOut:
    """Tagihan simpanan wajib: the months still unpaid and the last ones paid."""
    bill = selectors.wajib_bill(member=_member(request))
    _seen(request, "wajib")
    return WajibOut(
        account_number=bill.account.number if bill.account else None,
        balance=money(bill.account.balance if bill.account else Decimal(0)),
        unpaid=[_obligation(o) for o in bill.unpaid],
        total_unpaid=money(bill.total),
        paid_recently=[_obligation(o) for o in bill.paid_recently],
    )


# --- the one write -----------------------------------------------------------------------------


@router.post(
    "/pengajuan",
    response={201: LoanOut, **WRITE_ERRORS},
    url_name="member_apply",
)
def apply(
    request: HttpRequest, payload: ApplicationIn, idempotency_key: IdempotencyKey
) -> Status[Any]:
    """A loan application into the koperasi's approval queue; its status is then followed on
    ``/pinjaman`` (diajukan → disetujui/ditolak → aktif)."""
    member = _member(request)

    def run() -> tuple[int, Schema]:
        product = selectors.product_of(koperasi=member.koperasi, product_id=payload.loan_product_id)
        loan = services.loan_request(
            member=member,
            product=product,
            amount=m.money(payload.amount),
            tenor=payload.tenor,
            purpose=payload.purpose,
            idempotency_key=service_key(request.auth, idempotency_key),  # type: ignore[attr-defined]
        )
        return 201, LoanOut(**_loan(loan))

    return idempotent(request, key=idempotency_key, payload=payload, run=run)
