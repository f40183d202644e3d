"""Applications and their decision: apply, approve (by someone else), refuse, cancel.

A loan is entered by staff (the maker) with the price and shape copied from the product's terms
in force on the application day. Another user approves it (the checker; the database's
``loans_loan_four_eyes`` CHECK holds the same rule). A loan to a related party (pengurus,
pengawas, an affiliated koperasi) needs a pengurus's approval and a pengawas's (a third person),
and is refused above ``LoanSettings.related_party_limit_bp`` of own capital. An effective annual
rate above the 24% cap (:mod:`loans.rates`) is approved only with the approver's
acknowledgement, recorded in the audit trail. Every step writes a :class:`LoanEvent`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from core import money as m
from core.dates import business_date
from core.notify import notices
from ledger import selectors as ledger_selectors
from ledger.models import Account as LedgerAccount
from ledger.models import AccountClass
from loans import rates
from loans.models import (
    MAX_RATE_BP,
    Loan,
    LoanEvent,
    LoanProduct,
    LoanProductTerms,
    LoanSettings,
    LoanStatus,
)
from loans.schedule import Frequency, RateBasis, build, period_rate
from loans.services.products import LoansError, percent_to_bp
from members.models import Member
from registry.models import Koperasi, Role, RoleGrant

OPEN_STATUSES = (LoanStatus.DIAJUKAN, LoanStatus.DISETUJUI, LoanStatus.AKTIF)


class FourEyes(LoansError):
    """The person who entered a loan tried to approve it."""


class RateCapNotAcknowledged(LoansError):
    """The effective rate is above the cap and the approver did not acknowledge it."""


class RelatedPartyLimit(LoansError):
    """A related-party loan above the share of own capital the koperasi allows."""


def rupiah(amount: Decimal) -> str:
    return m.format_rupiah(amount)


def settings_of(koperasi: Koperasi) -> LoanSettings:
    found, _created = LoanSettings.objects.get_or_create(koperasi=koperasi)
    return found


def terms_in_force(product: LoanProduct, on: dt.date) -> LoanProductTerms:
    terms = (
        LoanProductTerms.objects.filter(product=product, effective_from__lte=on)
        .order_by("-effective_from")
        .first()
    )
    if terms is None:
        raise LoansError(
            _("Produk %(p)s belum punya ketentuan yang berlaku pada %(d)s.")
            % {"p": product.name, "d": on.strftime("%d/%m/%Y")},
            code="no_terms",
        )
    terms.product = product
    return terms


def own_capital(koperasi: Koperasi, *, on: dt.date | None = None) -> Decimal:
    """Modal sendiri: the balance of every equity account (credit positive)."""
    balances = ledger_selectors.balances(koperasi=koperasi, as_of=on)
    ids = LedgerAccount.objects.filter(koperasi=koperasi, klass=AccountClass.EKUITAS).values_list(
        "pk", flat=True
    )
    return -sum((Decimal(balances.get(pk, 0)) for pk in ids), m.ZERO)


def owed_by(member: Member, *, exclude: Loan | None = None) -> Decimal:
    """What a member owes or has been granted: outstanding principal of running loans plus the
    principal of loans applied for or approved and not yet disbursed."""
    loans = Loan.objects.filter(member=member, status__in=OPEN_STATUSES)
    if exclude is not None:
        loans = loans.exclude(pk=exclude.pk)
    running = loans.filter(status=LoanStatus.AKTIF).aggregate(s=Sum("outstanding_principal"))["s"]
    pending = loans.exclude(status=LoanStatus.AKTIF).aggregate(s=Sum("principal"))["s"]
    return (running or m.ZERO) + (pending or m.ZERO)


def related_party_total(koperasi: Koperasi, *, exclude: Loan | None = None) -> Decimal:
    loans = Loan.objects.filter(koperasi=koperasi, related_party=True, status__in=OPEN_STATUSES)
    if exclude is not None:
        loans = loans.exclude(pk=exclude.pk)
    running = loans.filter(status=LoanStatus.AKTIF).aggregate(s=Sum("outstanding_principal"))["s"]
    pending = loans.exclude(status=LoanStatus.AKTIF).aggregate(s=Sum("principal"))["s"]
    return (running or m.ZERO) + (pending or m.ZERO)


def schedule_of(loan: Loan, *, start: dt.date | None = None) -> Any:
    """The loan's schedule (:func:`loans.schedule.build`) from ``start`` (its disbursement)."""
    rate = period_rate(
        loan.rate_percent, basis=RateBasis(loan.rate_per), frequency=Frequency(loan.frequency)
    )
    return build(
        method=loan.method,
        principal=loan.principal,
        rate=rate,
        periods=loan.tenor,
        start=start or loan.disbursed_on or loan.applied_on,
        frequency=loan.frequency,
        grace=loan.grace,
    )


def effective_rate_of(loan: Loan) -> rates.EffectiveRate:
    """The member's effective annual rate (fees included), as :mod:`loans.rates` measures it."""
    schedule = schedule_of(loan)
    terms = loan.terms
    return rates.effective_rate(schedule, fees=terms.fees(loan.principal))


def cap_warning_of(loan: Loan) -> rates.CapWarning | None:
    return rates.cap_warning(effective_rate_of(loan))


# A month holds 52/12 weeks: a weekly instalment counts this many times in a month's capacity.
WEEKS_PER_MONTH = Decimal(52) / Decimal(12)


def _monthly(instalment: Decimal, frequency: str) -> Decimal:
    if frequency == "mingguan":
        return m.quantize(instalment * WEEKS_PER_MONTH, rounding=ROUND_HALF_UP, unit=m.RUPIAH)
    return instalment


@dataclass(frozen=True)
class Capacity:
    """Kemampuan bayar: a month's instalments against the share of the declared income the
    koperasi allows (``LoanSettings.capacity_bp``). Above it the application and the approver
    see a warning; it is the approver's judgement, not a refusal."""

    income: Decimal
    share_bp: int
    existing: Decimal  # a month of the member's other running loans' instalments
    proposed: Decimal  # a month of the new loan's largest instalment

    @property
    def limit(self) -> Decimal:
        return m.quantize(self.income * self.share_bp / 10_000, rounding=ROUND_DOWN, unit=m.RUPIAH)

    @property
    def available(self) -> Decimal:
        return max(self.limit - self.existing, m.ZERO)

    @property
    def over(self) -> bool:
        return self.proposed > self.available

    @property
    def share_percent(self) -> str:
        return format(Decimal(self.share_bp) / 100, "f").rstrip("0").rstrip(".").replace(".", ",")

    def message(self) -> str:
        return _(
            "Angsuran %(p)s sebulan di atas kemampuan bayar: %(s)s%% dari penghasilan %(i)s "
            "adalah %(l)s, sudah terpakai %(e)s untuk pinjaman lain, tersisa %(a)s."
        ) % {
            "p": rupiah(self.proposed),
            "s": self.share_percent,
            "i": rupiah(self.income),
            "l": rupiah(self.limit),
            "e": rupiah(self.existing),
            "a": rupiah(self.available),
        }


def instalments_of(member: Member, *, exclude: Loan | None = None) -> Decimal:
    """A month of the member's running loans' instalments: each loan's next unpaid scheduled
    instalment (weekly ones times 52/12)."""
    from loans.models import Instalment

    total = m.ZERO
    loans = Loan.objects.filter(member=member, status=LoanStatus.AKTIF)
    if exclude is not None:
        loans = loans.exclude(pk=exclude.pk)
    for loan in loans:
        row = (
            Instalment.objects.filter(loan=loan, superseded=False, paid_on__isnull=True)
            .order_by("number")
            .first()
        )
        if row is not None:
            total += _monthly(row.principal_due + row.interest_due, loan.frequency)
    return total


def repayment_capacity(
    *, member: Member, income: Decimal, proposed: Decimal, frequency: str, exclude: Loan | None
) -> Capacity:
    return Capacity(
        income=income,
        share_bp=settings_of(member.koperasi).capacity_bp,
        existing=instalments_of(member, exclude=exclude),
        proposed=_monthly(proposed, frequency),
    )


def capacity_of(loan: Loan) -> Capacity | None:
    """The loan's largest scheduled instalment against its member's declared income (None when
    no income was declared)."""
    if loan.declared_income is None:
        return None
    schedule = schedule_of(loan)
    largest = max((row.principal + row.interest for row in schedule), default=m.ZERO)
    return repayment_capacity(
        member=loan.member,
        income=loan.declared_income,
        proposed=largest,
        frequency=loan.frequency,
        exclude=loan,
    )


def _is(user: Any, koperasi_id: int, role: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return RoleGrant.objects.filter(user_id=user.pk, koperasi_id=koperasi_id, role=role).exists()


def _event(loan: Loan, kind: str, *, on: dt.date, actor: Any, note: str = "", **data: Any) -> None:
    LoanEvent.objects.create(
        koperasi_id=loan.koperasi_id,
        loan=loan,
        kind=kind,
        on=on,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        note=note[:250],
        data=data,
    )


def _number(koperasi: Koperasi, product: LoanProduct, on: dt.date) -> str:
    Koperasi.objects.select_for_update().filter(pk=koperasi.pk).values_list("pk", flat=True).get()
    prefix = f"{product.code}-{on:%y}"
    count = Loan.objects.filter(koperasi=koperasi, number__startswith=prefix + "-").count()
    return f"{prefix}-{count + 1:05d}"


def _amount(value: Any, label: str) -> Decimal:
    try:
        amount = m.parse_rupiah(value) if isinstance(value, str) else m.money(value)
        m.check_stored(amount)
    except m.InvalidAmount as exc:
        raise LoansError(f"{label}: {exc}", code="amount_invalid") from exc
    if amount <= 0:
        raise LoansError(_("%(f)s harus lebih dari nol.") % {"f": label}, code="amount_zero")
    if amount != amount.to_integral_value():
        raise LoansError(
            _("%(f)s dalam rupiah bulat, tanpa sen.") % {"f": label}, code="amount_sen"
        )
    return amount


def _count(value: Any, label: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise LoansError(_("%(f)s harus berupa bilangan bulat.") % {"f": label}) from exc
    return number


@transaction.atomic
def loan_apply(
    *,
    koperasi: Koperasi,
    member: Member,
    product: LoanProduct,
    principal: Any,
    tenor: Any,
    grace: Any = 0,
    rate_percent: Any = None,
    purpose: str = "",
    collateral: str = "",
    related_party: bool = False,
    officer: Any = None,
    actor: Any,
    on: dt.date | None = None,
    income: Any = None,
) -> Loan:
    """Enter a loan application (status ``diajukan``) with the terms in force on ``on``.

    ``rate_percent`` may lower the product's rate for this loan, never raise it. ``income``
    (the member's declared monthly income) is kept for the repayment capacity
    (:func:`capacity_of`): above it the loan is entered with a warning, not refused."""
    on = on or business_date(koperasi)
    if product.koperasi_id != koperasi.pk or member.koperasi_id != koperasi.pk:
        raise LoansError(_("Anggota atau produk milik koperasi lain."), code="other_koperasi")
    if not product.is_active:
        raise LoansError(_("Produk %(p)s sudah tidak aktif.") % {"p": product.name})
    if not member.is_active:
        raise LoansError(
            _("%(name)s bukan anggota aktif.") % {"name": member.full_name},
            code="member_not_active",
        )
    terms = terms_in_force(product, on)
    amount = _amount(principal, _("Pokok pinjaman"))
    declared = None
    if income not in (None, ""):
        declared = _amount(income, _("Penghasilan sebulan"))
    n = _count(tenor, _("Jangka waktu"))
    g = _count(grace or 0, _("Masa tenggang"))
    if n < 1:
        raise LoansError(_("Jangka waktu paling sedikit 1 angsuran."), code="tenor_zero")
    if not terms.min_tenor <= n <= terms.max_tenor:
        raise LoansError(
            _("Jangka waktu %(product)s antara %(a)s dan %(b)s angsuran.")
            % {"product": product.name, "a": terms.min_tenor, "b": terms.max_tenor},
            code="tenor_range",
        )
    if g < 0 or g > terms.max_grace or g >= n:
        raise LoansError(
            _("Masa tenggang paling lama %(g)s angsuran dan kurang dari jangka waktu.")
            % {"g": terms.max_grace},
            code="grace_range",
        )
    if not terms.min_amount <= amount <= terms.max_amount:
        raise LoansError(
            _("Pokok pinjaman %(product)s antara %(a)s dan %(b)s.")
            % {
                "product": product.name,
                "a": rupiah(terms.min_amount),
                "b": rupiah(terms.max_amount),
            },
            code="amount_range",
        )
    rate_bp = terms.rate_bp
    if rate_percent not in (None, ""):
        rate_bp = percent_to_bp(rate_percent, label=_("Bunga"))
        if rate_bp > terms.rate_bp:
            raise LoansError(
                _("Bunga %(r)s%% di atas bunga produk %(p)s (%(max)s%% %(per)s).")
                % {
                    "r": str(Decimal(rate_bp) / 100).replace(".", ","),
                    "p": product.name,
                    "max": str(terms.rate_percent).replace(".", ","),
                    "per": terms.get_rate_per_display(),
                },
                code="rate_above_product",
            )
        if rate_bp > MAX_RATE_BP[RateBasis(terms.rate_per)]:  # pragma: no cover - above product
            raise LoansError(_("Bunga terlalu tinggi."), code="rate_range")
    collateral = (collateral or "").strip()
    if terms.collateral_required and not collateral:
        raise LoansError(
            _("Produk %(p)s wajib dengan jaminan: tulis jaminannya.") % {"p": product.name},
            code="collateral_required",
        )
    limit = settings_of(koperasi).member_limit
    if limit is not None and not related_party:
        already = owed_by(member)
        if already + amount > limit:
            raise LoansError(
                _(
                    "Batas pinjaman per anggota %(limit)s: %(name)s sudah berutang atau diajukan "
                    "%(owed)s, ditambah %(amt)s melebihi batas."
                )
                % {
                    "limit": rupiah(limit),
                    "name": member.full_name,
                    "owed": rupiah(already),
                    "amt": rupiah(amount),
                },
                code="member_limit",
            )
    loan = Loan.objects.create(
        koperasi=koperasi,
        member=member,
        product=product,
        terms=terms,
        number=_number(koperasi, product, on),
        principal=amount,
        method=terms.method,
        rate_bp=rate_bp,
        rate_per=terms.rate_per,
        frequency=terms.frequency,
        tenor=n,
        grace=g,
        purpose=" ".join((purpose or "").split())[:200],
        collateral=collateral,
        related_party=bool(related_party),
        officer=officer,
        applied_on=on,
        applied_by=actor,
        declared_income=declared,
    )
    capacity = capacity_of(loan)
    over = capacity is not None and capacity.over
    _event(
        loan,
        "diajukan",
        on=on,
        actor=actor,
        principal=str(amount),
        tenor=n,
        **({"above_capacity": str(capacity.proposed)} if capacity and over else {}),
    )
    audit.record(
        actor=actor,
        action="loans.apply",
        obj=loan,
        koperasi=koperasi,
        after={
            "number": loan.number,
            "member": member.number,
            "principal": str(amount),
            "tenor": n,
            "grace": g,
            "rate_bp": rate_bp,
            "related_party": loan.related_party,
            "income": str(declared) if declared is not None else None,
            "above_capacity": over,
        },
    )
    return loan


def _lock(loan: Loan) -> Loan:
    return (
        Loan.objects.select_for_update(of=("self",))
        .select_related("terms", "product", "member", "koperasi")
        .get(pk=loan.pk)
    )


@transaction.atomic
def loan_approve(
    *, loan: Loan, actor: Any, acknowledge_rate_cap: bool = False, note: str = ""
) -> Loan:
    """Approve an application: a pengurus who did not enter it. A related-party loan needs a
    pengurus's approval and a pengawas's (in either order, two different people); it becomes
    ``disetujui`` once both approved."""
    locked = _lock(loan)
    if locked.status != LoanStatus.DIAJUKAN:
        raise LoansError(
            _("Pinjaman %(n)s tidak menunggu persetujuan (status: %(s)s).")
            % {"n": locked.number, "s": locked.get_status_display()},
            code="not_pending",
        )
    if getattr(actor, "pk", None) == locked.applied_by_id:
        raise FourEyes(
            _("Pinjaman disetujui oleh orang lain, bukan yang memasukkan pengajuannya."),
            code="four_eyes",
        )
    is_pengurus = _is(actor, locked.koperasi_id, Role.PENGURUS)
    is_pengawas = _is(actor, locked.koperasi_id, Role.PENGAWAS)
    today = business_date(locked.koperasi)
    warning = cap_warning_of(locked)
    if warning is not None and not acknowledge_rate_cap:
        raise RateCapNotAcknowledged(
            _(
                "Bunga efektif %(r)s%% setahun di atas batas %(cap)s%% (Permenkop 8/2023). "
                "Centang bahwa Anda mengetahuinya untuk menyetujui."
            )
            % {
                "r": str(warning.annual_percent).replace(".", ","),
                "cap": str(warning.cap_percent).replace(".", ","),
            },
            code="rate_cap",
        )
    if locked.related_party:
        if not (is_pengurus or is_pengawas):
            raise LoansError(
                _("Pinjaman pihak terkait disetujui oleh pengurus dan pengawas."), code="who"
            )
        capital = own_capital(locked.koperasi)
        share = Decimal(settings_of(locked.koperasi).related_party_limit_bp) / 10_000
        limit = m.quantize(max(capital, m.ZERO) * share, rounding="ROUND_FLOOR")
        total = related_party_total(locked.koperasi, exclude=locked) + locked.principal
        if total > limit:
            raise RelatedPartyLimit(
                _(
                    "Pinjaman pihak terkait paling banyak %(pct)s%% modal sendiri (%(cap)s): "
                    "%(limit)s. Dengan pinjaman ini jumlahnya %(total)s."
                )
                % {
                    "pct": str(share * 100).rstrip("0").rstrip(".").replace(".", ","),
                    "cap": rupiah(capital),
                    "limit": rupiah(limit),
                    "total": rupiah(total),
                },
                code="related_party_limit",
            )
        if is_pengurus and locked.approved_by_id is None:
            if getattr(actor, "pk", None) == locked.approved_by_pengawas_id:
                raise FourEyes(_("Pengurus dan pengawas harus dua orang berbeda."), code="same")
            locked.approved_by = actor
            locked.approved_at = timezone.now()
        elif is_pengawas and locked.approved_by_pengawas_id is None:
            if getattr(actor, "pk", None) == locked.approved_by_id:
                raise FourEyes(_("Pengurus dan pengawas harus dua orang berbeda."), code="same")
            locked.approved_by_pengawas = actor
        else:
            raise LoansError(_("Anda sudah menyetujui pinjaman ini."), code="already")
        done = locked.approved_by_id is not None and locked.approved_by_pengawas_id is not None
    else:
        if not is_pengurus:
            raise LoansError(_("Pinjaman disetujui oleh pengurus."), code="who")
        locked.approved_by = actor
        locked.approved_at = timezone.now()
        done = True
    if warning is not None:
        locked.rate_cap_acknowledged = True
    note = " ".join((note or "").split())[:250]
    if note:
        locked.decision_note = note
    if done:
        locked.status = LoanStatus.DISETUJUI
    locked.save()
    role = "pengawas" if locked.related_party and not is_pengurus else "pengurus"
    _event(
        locked,
        "disetujui" if done else "disetujui_sebagian",
        on=today,
        actor=actor,
        note=note,
        role=role,
        rate_cap_acknowledged=warning is not None,
    )
    audit.record(
        actor=actor,
        action="loans.approve",
        obj=locked,
        koperasi=locked.koperasi,
        before={"status": LoanStatus.DIAJUKAN},
        after={
            "status": locked.status,
            "role": role,
            "rate_cap_acknowledged": warning is not None,
            "effective_rate": str(warning.annual_percent) if warning is not None else None,
        },
        note=note,
    )
    notices.loan_decision(loan=locked)
    return locked


def _decide(loan: Loan, *, actor: Any, note: str, status: str, allowed: tuple[str, ...]) -> Loan:
    locked = _lock(loan)
    if locked.status not in allowed:
        raise LoansError(
            _("Pinjaman %(n)s tidak dapat diubah lagi (status: %(s)s).")
            % {"n": locked.number, "s": locked.get_status_display()},
            code="not_pending",
        )
    before = locked.status
    locked.status = status
    locked.decision_note = note
    locked.save(update_fields=["status", "decision_note"])
    _event(locked, status, on=business_date(locked.koperasi), actor=actor, note=note)
    audit.record(
        actor=actor,
        action=f"loans.{'refuse' if status == LoanStatus.DITOLAK else 'cancel'}",
        obj=locked,
        koperasi=locked.koperasi,
        before={"status": before},
        after={"status": status},
        note=note,
    )
    return locked


def _note(note: str) -> str:
    note = " ".join((note or "").split())
    if not note:
        raise LoansError(_("Tulis alasannya."), code="reason")
    return note[:250]


@transaction.atomic
def loan_refuse(*, loan: Loan, actor: Any, note: str) -> Loan:
    """A pengurus (or, for a related-party loan, the pengawas) refuses an application."""
    note = _note(note)
    if not (
        _is(actor, loan.koperasi_id, Role.PENGURUS)
        or (loan.related_party and _is(actor, loan.koperasi_id, Role.PENGAWAS))
    ):
        raise LoansError(_("Pengajuan ditolak oleh pengurus."), code="who")
    if getattr(actor, "pk", None) == loan.applied_by_id:
        raise FourEyes(
            _("Pengajuan diputuskan oleh orang lain, bukan yang memasukkannya."),
            code="four_eyes",
        )
    refused = _decide(
        loan,
        actor=actor,
        note=note,
        status=LoanStatus.DITOLAK,
        allowed=(LoanStatus.DIAJUKAN,),
    )
    notices.loan_decision(loan=refused)
    return refused


@transaction.atomic
def loan_cancel(*, loan: Loan, actor: Any, note: str) -> Loan:
    """Withdraw an application or an approved loan not yet disbursed (the member changed their
    mind)."""
    return _decide(
        loan,
        actor=actor,
        note=_note(note),
        status=LoanStatus.BATAL,
        allowed=(LoanStatus.DIAJUKAN, LoanStatus.DISETUJUI),
    )


__all__ = [
    "FourEyes",
    "RateCapNotAcknowledged",
    "RelatedPartyLimit",
    "cap_warning_of",
    "effective_rate_of",
    "loan_apply",
    "loan_approve",
    "loan_cancel",
    "loan_refuse",
    "own_capital",
    "owed_by",
    "schedule_of",
    "settings_of",
    "terms_in_force",
]
