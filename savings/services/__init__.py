"""Every write to savings. Keyword-only, atomic, validating first; each raises a
:class:`SavingsError` (a ``ValidationError`` with an Indonesian message) and leaves an audit
record. Grouped by what they touch:

- :mod:`.products` — products and their dated terms, opening accounts;
- :mod:`.counter` — the kasir's deposit, withdrawal, transfer and cash sessions;
- :mod:`.approvals` — counter limits and the pengurus's approval (maker-checker);
- :mod:`.drawer` — the drawer's cash: payouts within it, vault moves, the count by pecahan;
- :mod:`.membership` — the money of joining and leaving (wrapping ``members.services``);
- :mod:`.berjangka` — time deposits;
- :mod:`.month_end` — wajib billing, interest, tax (and maturities) per month end;
- :mod:`.payroll` — bulk payroll deduction;
- :mod:`.void` — voids (pembatalan) that undo a transaction in the books and the accounts.
- :mod:`.tax` — depositing the withheld PPh of each masa.
"""

from savings.services._common import (
    AccountClosed,
    AmountError,
    BelowMinimum,
    Booking,
    IdempotencyConflict,
    NotWithdrawable,
    RateAboveCap,
    SavingsError,
    add_months,
    amount_of,
    terms_in_force,
)
from savings.services.approvals import (
    AboveCeiling,
    NeedsApproval,
    NeedsConfirmation,
    limits_of,
    limits_set,
    request_approve,
    request_create,
    request_refuse,
    result_url,
)
from savings.services.berjangka import (
    berjangka_break,
    berjangka_mature,
    berjangka_open,
    early_penalty,
    sukarela_of,
)
from savings.services.counter import (
    cashier_close,
    cashier_open,
    deposit,
    open_session,
    session_expected,
    transfer,
    withdraw,
)
from savings.services.drawer import (
    DENOMINATIONS,
    DrawerShort,
    session_summary,
    vault_move,
)
from savings.services.membership import (
    ExitResult,
    JoinResult,
    exit_preview,
    member_enrol,
    member_exit,
    member_join,
    pokok_instalments,
    register_exit_netting,
)
from savings.services.month_end import StepResult, compute_interest, is_month_end, month_end
from savings.services.payroll import PayrollFileError, payroll_post, payroll_preview
from savings.services.products import (
    account_open,
    account_wajib_amount_set,
    product_create,
    product_terms_set,
    product_update,
)
from savings.services.tax import amount_due, tax_deposit, tax_due_date
from savings.services.void import (
    VoidError,
    transaction_void,
    void_approve,
    void_refuse,
    void_request,
)

__all__ = [
    "DENOMINATIONS",
    "AboveCeiling",
    "NeedsApproval",
    "NeedsConfirmation",
    "limits_of",
    "limits_set",
    "request_approve",
    "request_create",
    "request_refuse",
    "result_url",
    "AccountClosed",
    "DrawerShort",
    "session_summary",
    "vault_move",
    "AmountError",
    "BelowMinimum",
    "Booking",
    "ExitResult",
    "IdempotencyConflict",
    "JoinResult",
    "NotWithdrawable",
    "PayrollFileError",
    "RateAboveCap",
    "SavingsError",
    "StepResult",
    "account_open",
    "account_wajib_amount_set",
    "add_months",
    "amount_due",
    "amount_of",
    "berjangka_break",
    "berjangka_mature",
    "berjangka_open",
    "cashier_close",
    "cashier_open",
    "compute_interest",
    "deposit",
    "early_penalty",
    "exit_preview",
    "is_month_end",
    "member_exit",
    "member_enrol",
    "member_join",
    "month_end",
    "open_session",
    "payroll_post",
    "payroll_preview",
    "pokok_instalments",
    "product_create",
    "product_terms_set",
    "product_update",
    "register_exit_netting",
    "session_expected",
    "sukarela_of",
    "tax_deposit",
    "tax_due_date",
    "terms_in_force",
    "transfer",
    "transaction_void",
    "void_approve",
    "void_refuse",
    "void_request",
    "VoidError",
    "withdraw",
]
