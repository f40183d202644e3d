"""Shapes shared by the routers: money as exact decimal strings, errors, idempotency key."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from ninja import HeaderEx, P, Schema
from pydantic import Field

from core import money as m

# Money out: rupiah with exactly two decimals, as a string ("1500000.00"), never a float.
Money = Annotated[str, Field(pattern=r"^-?[0-9]+\.[0-9]{2}$", examples=["1500000.00"])]
# Money in: digits with at most two decimals ("1500000", "1500000.50").
AMOUNT_PATTERN = r"^[0-9]{1,13}(\.[0-9]{1,2})?$"
AmountIn = Annotated[
    str,
    Field(
        pattern=AMOUNT_PATTERN,
        examples=["50000"],
        description="Rupiah, angka tanpa pemisah ribuan; titik untuk sen.",
    ),
]
# The header every write carries (HeaderEx: a header parameter with its own constraints).
IdempotencyKey = HeaderEx[
    str,
    P(
        alias="Idempotency-Key",
        min_length=8,
        max_length=48,  # with "api:<owner>:" it fits the services' 64-character keys
        pattern=r"^[A-Za-z0-9_-]+$",
        description="Kunci unik per tindakan (mis. UUID); kirim ulang dengan kunci yang sama.",
    ),
]


def money(value: Decimal | int | str | None) -> str:
    """``Decimal("1500000")`` → ``"1500000.00"``."""
    return f"{m.money(value or 0):.2f}"


class FieldError(Schema):
    loc: list[str]
    message: str


class Error(Schema):
    detail: str
    code: str
    errors: list[FieldError] | None = None


# The refusals every authenticated operation may answer.
ERRORS = {401: Error, 403: Error, 404: Error, 422: Error}
# With a body: 400 when it is not JSON at all; 409 for a key used for something else.
WRITE_ERRORS = {400: Error, **ERRORS, 409: Error}
