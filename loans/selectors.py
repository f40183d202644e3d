"""Loan products and their terms: the reads, and the schedules and rates shown for them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.http import Http404

from loans import rates, schedule
from loans.models import LoanMethod, LoanProduct, LoanProductTerms
from loans.schedule import Instalment, Schedule
from registry.models import Koperasi


def product_list(*, koperasi: Koperasi, on: dt.date) -> list[LoanProduct]:
    """The koperasi's loan products, each with ``current_terms`` (in force on ``on``) set."""
    products = list(LoanProduct.objects.filter(koperasi=koperasi).order_by("code"))
    terms = LoanProductTerms.objects.filter(koperasi=koperasi, effective_from__lte=on).order_by(
        "product_id", "-effective_from"
    )
    current: dict[int, LoanProductTerms] = {}
    for row in terms:
        current.setdefault(row.product_id, row)
    for product in products:
        product.current_terms = current.get(product.pk)  # type: ignore[attr-defined]
    return products


def product_get(*, koperasi: Koperasi, product_id: int) -> LoanProduct:
    """One of the koperasi's products; another koperasi's is not found (404)."""
    product = LoanProduct.objects.filter(koperasi=koperasi, pk=product_id).first()
    if product is None:
        raise Http404
    return product


def terms_history(*, product: LoanProduct) -> QuerySet[LoanProductTerms]:
    return product.terms.select_related("saving_product").order_by("-effective_from")


def terms_in_force(*, product: LoanProduct, on: dt.date) -> LoanProductTerms | None:
    """The terms a loan applied for on ``on`` takes (the next ones when none are in force yet)."""
    return (
        product.terms.filter(effective_from__lte=on).order_by("-effective_from").first()
        or product.terms.order_by("effective_from").first()
    )


@dataclass(frozen=True)
class Simulation:
    method: str
    label: str
    schedule: Schedule
    fees: Decimal
    rate: rates.EffectiveRate
    warning: rates.CapWarning | None

    @property
    def received(self) -> Decimal:
        return self.schedule.principal - self.fees

    @property
    def first(self) -> Instalment:
        return self.schedule.instalments[0]

    @property
    def last(self) -> Instalment:
        return self.schedule.instalments[-1]


def simulate(
    *,
    terms: LoanProductTerms,
    amount: Decimal,
    tenor: int,
    start: dt.date,
    method: str | None = None,
    grace: int = 0,
) -> Simulation:
    """The schedule, fees and effective rate of one loan under ``terms`` (``method`` overrides
    the product's, for comparing the three side by side)."""
    chosen = method or terms.method
    made = schedule.build(
        method=chosen,
        principal=amount,
        rate=terms.period_rate,
        periods=tenor,
        start=start,
        frequency=terms.frequency,
        grace=grace,
    )
    fees = terms.fees(amount)
    rate = rates.effective_rate(made, fees=fees)
    return Simulation(
        chosen, str(LoanMethod(chosen).label), made, fees, rate, rates.cap_warning(rate)
    )


def simulate_methods(
    *, terms: LoanProductTerms, amount: Decimal, tenor: int, start: dt.date, grace: int = 0
) -> list[Simulation]:
    """The product's own method first, then the two others, for the same loan."""
    order = [terms.method, *(m for m in LoanMethod.values if m != terms.method)]
    return [
        simulate(terms=terms, amount=amount, tenor=tenor, start=start, method=m, grace=grace)
        for m in order
    ]


@dataclass(frozen=True)
class RateRange:
    low: rates.EffectiveRate
    high: rates.EffectiveRate
    warning: rates.CapWarning | None


def effective_rate_range(*, terms: LoanProductTerms, start: dt.date) -> RateRange:
    """The lowest and highest effective annual rate over the product's limits.

    Fixed fees weigh most on the smallest, shortest loan; flat interest costs most over the
    longest tenor: the four corners of amount × tenor hold both ends.
    """
    found = [
        simulate(terms=terms, amount=amount, tenor=tenor, start=start).rate
        for amount in {terms.min_amount, terms.max_amount}
        for tenor in {terms.min_tenor, terms.max_tenor}
    ]
    low = min(found, key=lambda r: r.annual)
    high = max(found, key=lambda r: r.annual)
    return RateRange(low, high, rates.cap_warning(high))
