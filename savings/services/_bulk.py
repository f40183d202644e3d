"""Plain SQL for the hot paths: inserts and updates of ready tuples (in bulk for the month end,
one row for the counter), and reads of whole rows into model instances (:func:`columns`,
:func:`instances`) for the counter, where compiling an ORM query costs more than running it.

Building 100 000 model instances for ``bulk_create`` costs more than the database's own work;
the month end writes its movements, obligations and withholding records as tuples instead. The
columns are named by field, and each value goes through the cheap conversion its field needs
(money to integer sen, dates and times as the backend stores them), so the rows are exactly what
``bulk_create`` would have written. Constraints and triggers run as for any insert.

On PostgreSQL the rows go as sets: inserts by COPY, updates as one ``UPDATE … FROM unnest(…)``
per chunk (arrays, one per column), so no statement text grows with the rows and psycopg parses
nothing per row; SQLite runs in-process, where ``executemany`` is as fast as it gets.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper

from core import money as m
from core.fields import MoneyField

CHUNK = 5000
MULTI_ROW = 500  # rows per INSERT on PostgreSQL (well under its 65 535 parameters)


def _field(model: type[models.Model], name: str) -> models.Field:
    field = model._meta.get_field(name[:-3] if name.endswith("_id") else name)
    assert isinstance(field, models.Field)
    return field


def _converter(field: models.Field) -> Callable[[Any], Any]:
    ops = connection.ops
    if isinstance(field, MoneyField):
        return lambda v: None if v is None else m.to_sen(v) if isinstance(v, Decimal) else v
    if isinstance(field, models.DateField):
        # A run writes the same few dates thousands of times: convert each once.
        adapt = (
            ops.adapt_datetimefield_value
            if isinstance(field, models.DateTimeField)
            else ops.adapt_datefield_value
        )
        seen: dict[Any, Any] = {}

        def date(v: Any) -> Any:
            if v is None:
                return None
            if v not in seen:
                seen[v] = adapt(v)
            return seen[v]

        return date
    if isinstance(field, models.BooleanField):
        return lambda v: bool(v)
    return _same


def _same(value: Any) -> Any:
    return value


def _converting(
    converters: Sequence[Callable[[Any], Any]],
) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """A row's values through their fields' converters. Most columns need none (text, integers,
    foreign keys): a row of 300 000 goes through only the ones that do."""
    needed = [(n, conv) for n, conv in enumerate(converters) if conv is not _same]
    width = len(converters)

    def convert(row: Sequence[Any]) -> tuple[Any, ...]:
        if len(row) != width:
            raise ValueError(f"a row of {len(row)} values for {width} columns")
        if not needed:
            return tuple(row)
        values = list(row)
        for n, conv in needed:
            values[n] = conv(values[n])
        return tuple(values)

    return convert


def insert_rows(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Insert ``rows`` (tuples in the order of ``fields``, names or ``<fk>_id``) into ``model``'s
    table; return how many."""
    meta = model._meta
    columns = []
    converters = []
    for name in fields:
        field = _field(model, name)
        columns.append(str(field.column))
        converters.append(_converter(field))
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    table = connection.ops.quote_name(meta.db_table)
    if connection.vendor == "postgresql" and not any(
        isinstance(_field(model, name), models.JSONField) for name in fields
    ):
        return _copy_rows(f"COPY {table} ({quoted}) FROM STDIN", converters, rows)
    marks = ", ".join(["%s"] * len(columns))
    # Names come from the model's metadata (quoted); every value is a parameter.
    sql = f"INSERT INTO {table} ({quoted}) VALUES ({marks})"  # noqa: S608
    per_statement = MULTI_ROW if connection.vendor == "postgresql" else 1
    count = 0
    batch: list[tuple[Any, ...]] = []

    def flush(cursor: Any) -> None:
        if per_statement == 1:
            cursor.executemany(sql, batch)
            return
        for start in range(0, len(batch), per_statement):
            part = batch[start : start + per_statement]
            values = ", ".join([f"({marks})"] * len(part))
            cursor.execute(
                f"INSERT INTO {table} ({quoted}) VALUES {values}",  # noqa: S608
                [v for row in part for v in row],
            )

    convert = _converting(converters)
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(convert(row))
            if len(batch) >= CHUNK:
                flush(cursor)
                count += len(batch)
                batch = []
        if batch:
            flush(cursor)
            count += len(batch)
    return count


def _copy_rows(
    sql: str, converters: list[Callable[[Any], Any]], rows: Iterable[Sequence[Any]]
) -> int:
    """PostgreSQL: ``rows`` through one COPY (row triggers and constraints run as for INSERT)."""
    count = 0
    convert = _converting(converters)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        with cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(convert(row))
                count += 1
    return count


def fetch_rows(queryset: models.QuerySet[Any]) -> list[tuple[Any, ...]]:
    """A ``values_list`` queryset's rows as the database returns them, without the ORM's work
    per row (hundreds of thousands of ids to map back). Only for plain fields whose values need
    no conversion: ids, integers, text, and money as the integer sen its column holds."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def now() -> dt.datetime:
    from django.utils import timezone

    return timezone.now()


def update_rows(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """``UPDATE <table> SET f1 = %s, … WHERE id = %s`` for each row (values, then the id).

    For many rows with different values (``bulk_update`` builds one ``CASE`` per field, which
    costs far more than the update itself)."""
    meta = model._meta
    converters = []
    sets = []
    for name in fields:
        field = _field(model, name)
        sets.append(f"{connection.ops.quote_name(str(field.column))} = %s")
        converters.append(_converter(field))
    table = connection.ops.quote_name(meta.db_table)
    batch = [
        (*(conv(v) for conv, v in zip(converters, row[:-1], strict=True)), row[-1]) for row in rows
    ]
    if not batch:
        return 0
    fields_ = [_field(model, name) for name in fields]
    if connection.vendor == "postgresql" and not any(
        isinstance(f, models.JSONField) for f in fields_
    ):
        # One statement per chunk: each column as an array, joined to the table by id.
        quote = connection.ops.quote_name
        names = [quote(str(f.column)) for f in fields_]
        arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields_)
        pk_type = meta.pk.db_type(connection) if meta.pk is not None else "bigint"
        sql = (
            f"UPDATE {table} AS t SET "  # noqa: S608
            + ", ".join(f"{n} = v.{n}" for n in names)
            + f" FROM unnest({arrays}, %s::{pk_type}[]) AS v({', '.join(names)}, id) "
            + "WHERE t.id = v.id"
        )
        with connection.cursor() as cursor:
            for start in range(0, len(batch), CHUNK):
                part = batch[start : start + CHUNK]
                cursor.execute(sql, [list(column) for column in zip(*part, strict=True)])
        return len(batch)
    sql = f"UPDATE {table} SET {', '.join(sets)} WHERE id = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, batch)
    return len(batch)


def insert_row(model: type[models.Model], fields: Sequence[str], row: Sequence[Any]) -> int:
    """Insert one row (as :func:`insert_rows`) and return its id (``INSERT … RETURNING``)."""
    columns = []
    values = []
    for name, value in zip(fields, row, strict=True):
        field = _field(model, name)
        columns.append(connection.ops.quote_name(str(field.column)))
        values.append(_converter(field)(value))
    table = connection.ops.quote_name(model._meta.db_table)
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) RETURNING id"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return int(cursor.fetchone()[0])


def update_row(
    model: type[models.Model],
    pk: int,
    *,
    increments: dict[str, Any] | None = None,
    values: dict[str, Any] | None = None,
) -> None:
    """``UPDATE <table> SET f = f + %s, g = %s WHERE id = %s`` for one row: ``increments`` are
    added to what the row holds (money in sen), ``values`` replace it."""
    sets = []
    params = []
    for name, value in (increments or {}).items():
        field = _field(model, name)
        column = connection.ops.quote_name(str(field.column))
        sets.append(f"{column} = {column} + %s")
        params.append(_converter(field)(value))
    for name, value in (values or {}).items():
        field = _field(model, name)
        sets.append(f"{connection.ops.quote_name(str(field.column))} = %s")
        params.append(_converter(field)(value))
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {', '.join(sets)} WHERE id = %s", [*params, pk])  # noqa: S608


# Per connection (its operations object converts values), per model: each field's converters.
_READERS: weakref.WeakKeyDictionary[BaseDatabaseWrapper, dict[type[models.Model], Any]] = (
    weakref.WeakKeyDictionary()
)


def columns(model: type[models.Model], alias: str) -> str:
    """``alias.col1, alias.col2, …``: every concrete column of ``model``, in field order."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(str(f.column))}" for f in model._meta.concrete_fields)


def _reader(model: type[models.Model]) -> tuple[list[str], list[tuple[int, list[Any], Any]]]:
    wrapper = connections[DEFAULT_DB_ALIAS]  # this thread's, as ``connection`` is
    by_model = _READERS.setdefault(wrapper, {})
    if model not in by_model:
        fields = model._meta.concrete_fields
        converting = []
        for n, f in enumerate(fields):
            col = f.get_col(model._meta.db_table)
            found = [*wrapper.ops.get_db_converters(col), *f.get_db_converters(wrapper)]
            if found:
                converting.append((n, found, col))
        by_model[model] = ([f.attname for f in fields], converting)
    return by_model[model]


def instances(row: Sequence[Any], *models_in_row: type[models.Model]) -> list[Any]:
    """Model instances (as the ORM builds them) from a row of :func:`columns` of each model in
    turn; anything after the last model's columns is left to the caller."""
    out = []
    start = 0
    for model in models_in_row:
        names, converting = _reader(model)
        values = list(row[start : start + len(names)])
        for n, converters, col in converting:
            if values[n] is not None:
                for convert in converters:
                    values[n] = convert(values[n], col, connection)
        out.append(model.from_db(connection.alias, names, values))
        start += len(names)
    return out
