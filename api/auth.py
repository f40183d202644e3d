"""Bearer-token authentication for the API's routers, with the tenancy gate.

Every id in an API path is checked against the token before anything else runs: a staff token
reaches only its koperasi's objects, a member token only the member's own (and their koperasi's
products). Anything else is a 404, as :func:`registry.access.koperasi_view` does for pages. A
path keyword with no rule here is refused too (404), so a new endpoint cannot forget it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja.security import HttpBearer

from api import services
from api.models import ApiToken
from registry import access
from registry.models import Role

READERS = access.KOPERASI_READERS
WRITERS = (Role.KASIR, Role.PENGURUS)

Scope = Callable[[ApiToken, int], QuerySet[Any]]


def _staff_scopes() -> dict[str, Scope]:
    from loans.models import Loan, LoanProduct, LoanTransaction
    from members.models import Member
    from savings.models import Account, Transaction

    return {
        "member_id": lambda t, v: Member.objects.filter(koperasi_id=t.koperasi_id, pk=v),
        "savings_account_id": lambda t, v: Account.objects.filter(koperasi_id=t.koperasi_id, pk=v),
        "transaction_id": lambda t, v: Transaction.objects.filter(koperasi_id=t.koperasi_id, pk=v),
        "loan_id": lambda t, v: Loan.objects.filter(koperasi_id=t.koperasi_id, pk=v),
        "loan_tx_id": lambda t, v: LoanTransaction.objects.filter(koperasi_id=t.koperasi_id, pk=v),
        "loan_product_id": lambda t, v: LoanProduct.objects.filter(koperasi_id=t.koperasi_id, pk=v),
    }


def _member_scopes() -> dict[str, Scope]:
    from loans.models import Loan, LoanProduct, LoanTransaction
    from savings.models import Account, Transaction

    return {
        "savings_account_id": lambda t, v: Account.objects.filter(
            koperasi_id=t.koperasi_id, member_id=t.member_id, pk=v
        ),
        "transaction_id": lambda t, v: Transaction.objects.filter(
            koperasi_id=t.koperasi_id, account__member_id=t.member_id, pk=v
        ),
        "loan_id": lambda t, v: Loan.objects.filter(
            koperasi_id=t.koperasi_id, member_id=t.member_id, pk=v
        ),
        "loan_tx_id": lambda t, v: LoanTransaction.objects.filter(
            koperasi_id=t.koperasi_id, loan__member_id=t.member_id, pk=v
        ),
        "loan_product_id": lambda t, v: LoanProduct.objects.filter(koperasi_id=t.koperasi_id, pk=v),
    }


def check_path(request: HttpRequest, token: ApiToken) -> None:
    """404 unless every id in the path is the token's to see."""
    match = request.resolver_match
    kwargs = dict(match.kwargs) if match is not None else {}
    if not kwargs:
        return
    scopes = _member_scopes() if token.is_member else _staff_scopes()
    for name, value in kwargs.items():
        scope = scopes.get(name)
        if scope is None:
            raise Http404
        text = str(value)
        if not text.isdigit() or len(text) > 18:
            # Not an id at all: validation answers it (422), nothing can be found by it.
            continue
        if not scope(token, int(text)).exists():
            raise Http404


class StaffToken(HttpBearer):
    """A staff token, for a person holding one of ``roles`` in the token's koperasi now
    (roles are read at each request: a role taken away stops the token's use at once)."""

    def __init__(self, *roles: str) -> None:
        super().__init__()
        self.roles = set(roles or READERS)

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = services.token_check(token)
        if found is None or found.user is None:
            return None
        held = access.roles_in(found.user, found.koperasi)
        if not held & set(READERS):
            return None
        check_path(request, found)
        if not held & self.roles:
            raise PermissionDenied
        request.user = found.user
        request.koperasi = found.koperasi  # type: ignore[attr-defined]
        request.roles = held  # type: ignore[attr-defined]
        return found


class MemberToken(HttpBearer):
    """A member's token: the member's own records only."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = services.token_check(token)
        if found is None or found.member is None:
            return None
        check_path(request, found)
        request.koperasi = found.koperasi  # type: ignore[attr-defined]
        return found


class AnyToken(HttpBearer):
    """Either kind (signing out)."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        return services.token_check(token)
