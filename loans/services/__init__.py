"""The loans writes, one module per part of a loan's life.

- :mod:`.products` — loan products and their dated terms;
- :mod:`.applications` — apply, approve (a different user; related parties: pengurus and
  pengawas), refuse, cancel;
- :mod:`.disbursement` — pencairan: one balanced entry, the schedule;
- :mod:`.repayment` — repayments at the counter, the payoff quote, early settlement;
- :mod:`.void` — voids of loan movements (maker-checker);
- :mod:`.restructure` — restructuring (maker-checker): a new schedule version;
- :mod:`.writeoff` — write-off against the allowance (maker-checker, pengawas informed) and
  recovery as income;
- :mod:`.netting` — a leaving member's savings pay their loans (the savings exit hook);
- :mod:`.payroll` — loan instalments from a payroll file, one entry per batch.

Everything a caller needs is re-exported here (``from loans import services``).
"""

from loans.services._common import IdempotencyConflict
from loans.services.applications import (
    Capacity,
    FourEyes,
    RateCapNotAcknowledged,
    RelatedPartyLimit,
    cap_warning_of,
    capacity_of,
    effective_rate_of,
    instalments_of,
    loan_apply,
    loan_approve,
    loan_cancel,
    loan_refuse,
    owed_by,
    own_capital,
    schedule_of,
    settings_of,
)
from loans.services.counter_requests import loan_counter_request
from loans.services.disbursement import disbursement_figures, loan_disburse
from loans.services.netting import exit_netting
from loans.services.payroll import LoanPayrollError, loan_payroll_post, loan_payroll_preview
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
from loans.services.repayment import (
    LoanClosed,
    Overpayment,
    PayoffQuote,
    amount_due,
    final_instalment_quote,
    loan_payoff_quote,
    loan_repay,
    loan_settle_early,
)
from loans.services.restructure import (
    RestructureError,
    arrears_interest,
    loan_restructure_approve,
    loan_restructure_refuse,
    loan_restructure_request,
    restructure_summary,
)
from loans.services.void import (
    LoanVoidError,
    loan_void_approve,
    loan_void_refuse,
    loan_void_request,
)
from loans.services.writeoff import (
    WriteOffError,
    loan_recover,
    loan_writeoff_acknowledge,
    loan_writeoff_approve,
    loan_writeoff_refuse,
    loan_writeoff_request,
)

__all__ = [
    "Capacity",
    "capacity_of",
    "instalments_of",
    "LoanPayrollError",
    "loan_payroll_post",
    "loan_payroll_preview",
    "RestructureError",
    "WriteOffError",
    "arrears_interest",
    "exit_netting",
    "loan_recover",
    "loan_restructure_approve",
    "loan_restructure_refuse",
    "loan_restructure_request",
    "loan_writeoff_acknowledge",
    "loan_writeoff_approve",
    "loan_writeoff_refuse",
    "loan_writeoff_request",
    "restructure_summary",
    "PORTFOLIO_ROLE",
    "REQUIRED",
    "TERM_FIELDS",
    "FourEyes",
    "IdempotencyConflict",
    "LoanClosed",
    "LoanVoidError",
    "LoansError",
    "Overpayment",
    "PayoffQuote",
    "RateCapNotAcknowledged",
    "RelatedPartyLimit",
    "amount_due",
    "final_instalment_quote",
    "loan_counter_request",
    "cap_warning_of",
    "disbursement_figures",
    "effective_rate_of",
    "first_allowed_date",
    "loan_apply",
    "loan_approve",
    "loan_cancel",
    "loan_disburse",
    "loan_payoff_quote",
    "loan_refuse",
    "loan_repay",
    "loan_settle_early",
    "loan_void_approve",
    "loan_void_refuse",
    "loan_void_request",
    "owed_by",
    "own_capital",
    "percent_to_bp",
    "product_create",
    "product_terms_set",
    "product_update",
    "schedule_of",
    "settings_of",
]
