"""The loans writes, one module per part of a loan's life.

``products``: loan products and their dated terms. Later modules (applications and approval,
disbursement, repayments, arrears, PPAP) live beside it; everything a caller needs is
re-exported here, so ``from loans import services; services.product_create(...)`` keeps working.
"""

from loans.services.products import (
    PORTFOLIO_ROLE,
    REQUIRED,
    TERM_FIELDS,
    LoansError,
    first_allowed_date,
    percent_to_bp,
    product_create,
    product_terms_set,
    product_update,
)

__all__ = [
    "PORTFOLIO_ROLE",
    "REQUIRED",
    "TERM_FIELDS",
    "LoansError",
    "first_allowed_date",
    "percent_to_bp",
    "product_create",
    "product_terms_set",
    "product_update",
]
