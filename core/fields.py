"""``MoneyField``: an amount in Python (``Decimal``), an integer of sen in the database.

SQLite has no exact decimal type, so ``SUM`` over DECIMAL columns drifts; integers are exact on
both engines and so are the database's own balance checks (constraints and triggers).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
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
