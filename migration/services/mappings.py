"""A koperasi's confirmed column mapping, saved by name and given to the command as a file.

The file is JSON: ``{"kinds": {sheet: kind}, "mappings": {sheet: {field: header text}}}``, the
shape :meth:`migration.models.SavedMapping.as_file` writes.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core import audit
from migration.models import SavedMapping
from migration.table import FIELDS
from registry.models import Koperasi

Kinds = dict[str, str]
Mappings = dict[str, dict[str, str]]


class MappingError(ValidationError):
    """A mapping that cannot be used; the message says what is wrong in it."""


def mapping_parse(data: bytes | str | dict[str, Any]) -> tuple[Kinds, Mappings]:
    """``(kinds, mappings)`` from a mapping file's content, checked: every kind known, every
    field one of its kind's, every header a text."""
    if isinstance(data, bytes | str):
        try:
            data = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise MappingError(
                _("Berkas pemetaan bukan JSON yang sah: %(e)s") % {"e": exc}
            ) from exc
    if not isinstance(data, dict):
        raise MappingError(_("Berkas pemetaan harus berisi objek dengan “kinds” dan “mappings”."))
    kinds, mappings = data.get("kinds") or {}, data.get("mappings") or {}
    if not isinstance(kinds, dict) or not isinstance(mappings, dict):
        raise MappingError(_("“kinds” dan “mappings” dalam berkas pemetaan harus berupa objek."))
    for sheet, kind in kinds.items():
        if kind not in FIELDS:
            raise MappingError(
                _("Jenis lembar “%(k)s” untuk “%(s)s” tidak dikenal; pilih salah satu: %(all)s.")
                % {"k": kind, "s": sheet, "all": ", ".join(FIELDS)}
            )
    for sheet, fields in mappings.items():
        if not isinstance(fields, dict):
            raise MappingError(_("Pemetaan lembar “%(s)s” harus berupa objek.") % {"s": sheet})
        kind = kinds.get(sheet)
        if kind is None:
            raise MappingError(
                _("Lembar “%(s)s” dipetakan tanpa jenisnya di “kinds”.") % {"s": sheet}
            )
        for name, header in fields.items():
            if name not in FIELDS[kind]:
                raise MappingError(
                    _("Kolom “%(f)s” tidak ada untuk lembar jenis %(k)s.") % {"f": name, "k": kind}
                )
            if not isinstance(header, str) or not header.strip():
                raise MappingError(
                    _("Judul kolom untuk “%(f)s” di lembar “%(s)s” harus diisi.")
                    % {"f": name, "s": sheet}
                )
    return {str(k): str(v) for k, v in kinds.items()}, {
        str(s): {str(f): str(h) for f, h in fields.items()} for s, fields in mappings.items()
    }


@transaction.atomic
def mapping_save(
    *, koperasi: Koperasi, name: str, kinds: Kinds, mappings: Mappings, actor: Any
) -> SavedMapping:
    """Save (or replace) the koperasi's mapping called ``name``."""
    name = " ".join((name or "").split())
    if not name or len(name) > 100:
        raise MappingError(_("Nama pemetaan wajib diisi (paling banyak 100 huruf)."))
    kinds, mappings = mapping_parse({"kinds": kinds, "mappings": mappings})
    saved, created = SavedMapping.objects.update_or_create(
        koperasi=koperasi,
        name=name,
        defaults={
            "kinds": kinds,
            "mappings": mappings,
            "created_by": actor if getattr(actor, "is_authenticated", False) else None,
        },
    )
    audit.record(
        actor=actor,
        action="migration.mapping_save",
        obj=saved,
        koperasi=koperasi,
        after={"name": name, "kinds": kinds, "mappings": mappings, "created": created},
    )
    return saved


@transaction.atomic
def mapping_delete(*, mapping: SavedMapping, actor: Any) -> None:
    audit.record(
        actor=actor,
        action="migration.mapping_delete",
        obj=mapping,
        koperasi=mapping.koperasi,
        before={"name": mapping.name},
    )
    mapping.delete()
