"""``MoneyField``: an amount in Python (``Decimal``), an integer of sen in the database.

SQLite has no exact decimal type, so ``SUM`` over DECIMAL columns drifts; integers are exact on
both engines and so are the database's own balance checks (constraints and triggers).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Func, Q
from django.db.models.expressions import Combinable

from core import money as m


class MoneyField(models.BigIntegerField):
    description = "Amount in rupiah, stored as integer sen"

    # For mypy (django-stubs): the model attribute holds a Decimal, not the column's int.
    _pyi_private_set_type: Decimal | int | str | Combinable  # type: ignore[assignment]
    _pyi_private_get_type: Decimal  # type: ignore[assignment]

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Decimal | None:
        if value is None:
            return None
        return m.from_sen(int(value))

    def to_python(self, value: Any) -> Decimal | None:
        if value is None or isinstance(value, Decimal):
            return value
        try:
            return m.money(value)
        except m.InvalidAmount as exc:
            raise ValidationError(str(exc), code="invalid") from exc

    def get_prep_value(self, value: Any) -> int | None:
        if value is None:
            return None
        if hasattr(value, "resolve_expression"):
            return value
        return m.to_sen(value)

    def formfield(self, **kwargs: Any) -> Any:
        from core.forms import RupiahField

        return RupiahField(
            required=not self.blank,
            label=kwargs.get("label", self.verbose_name),
            help_text=kwargs.get("help_text", self.help_text),
        )


class StoredAsInteger(Func):
    """True when ``expression`` is stored as an integer (or NULL).

    SQLite's columns take any value whatever their type: a sum past 2**63 is stored as a REAL
    (1.0000000000127937e+19) and every later sum is rounded. There the condition is
    ``typeof(col) IN ('integer', 'null')``; PostgreSQL's ``bigint`` holds nothing else, so
    there it is always true.
    """

    output_field = models.BooleanField()
    arity = 1

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # type: ignore[override]
        return "TRUE", []

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"typeof({sql}) IN ('integer', 'null')", params


def money_range(model: str, *fields: str) -> list[models.CheckConstraint]:
    """One CHECK per money column of ``model``: an integer of sen, |sen| ≤ ``MAX_SEN``.

    For a model's ``Meta.constraints``; named ``<model>_<field>_money``. Python refuses the same
    amounts first (:func:`core.money.check_stored`) with a message; this is the database's word.
    """
    return [
        models.CheckConstraint(
            condition=Q(**{f"{name}__gte": -m.MAX_AMOUNT, f"{name}__lte": m.MAX_AMOUNT})
            & Q(StoredAsInteger(name)),
            name=f"{model}_{name}_money",
        )
        for name in fields
    ]
