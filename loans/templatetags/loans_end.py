"""Tags for the end-of-loan parts of loanlife's pages (the approval queue's entries)."""

from __future__ import annotations

from typing import Any

from django import template

from loans import end_selectors
from loans.models import LoanRestructure
from loans.services.restructure import restructure_summary
from registry.models import Role

register = template.Library()


@register.simple_tag(takes_context=True)
def end_pending(context: Any, koperasi: Any) -> dict[str, Any]:
    """Pending restructurings and write-offs of ``koperasi``, and whether the user decides."""
    request = context.get("request")
    roles = set(getattr(request, "roles", set()))
    return {**end_selectors.pending(koperasi=koperasi), "is_pengurus": Role.PENGURUS in roles}


@register.filter
def restructure_line(request: LoanRestructure) -> str:
    return restructure_summary(request)
