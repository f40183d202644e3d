"""The hash chain of a koperasi's journal: pure functions, no Django.

Each entry's hash is SHA-256 over the previous entry's hash and a canonical text of the entry:
its identity, dates, kind, memo, source, actor, idempotency key, reversal link and its postings
(account id, amount in sen, memo, sorted so the order rows come back in does not matter).
Account *ids* are hashed rather than codes, so the pengurus may renumber the chart without
breaking the chain. Changing any stored value of an entry or a posting, deleting an entry or
inserting one in the middle breaks the chain at that entry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable

GENESIS = "0" * 64
_FS = "\x1f"  # between fields
_RS = "\x1e"  # between postings


def timestamp_text(value: dt.datetime) -> str:
    """A timestamp as hashed: UTC, to the microsecond (what both databases keep)."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def entry_text(
    *,
    koperasi_id: int,
    chain_index: int,
    number: str,
    value_date: dt.date,
    created_at: str,
    kind: str,
    memo: str,
    source: str,
    actor_id: int | None,
    idempotency_key: str | None,
    reverses_id: int | None,
    postings: Iterable[tuple[int, int, str]],
) -> str:
    """Canonical text of an entry; ``created_at`` as :func:`timestamp_text` writes it and
    ``postings`` as ``(account_id, amount_sen, memo)``."""
    head = _FS.join(
        [
            str(koperasi_id),
            str(chain_index),
            number,
            value_date.isoformat(),
            created_at,
            kind,
            memo,
            source,
            "" if actor_id is None else str(actor_id),
            "" if idempotency_key is None else idempotency_key,
            "" if reverses_id is None else str(reverses_id),
        ]
    )
    lines = _RS.join(f"{a}{_FS}{s}{_FS}{m}" for a, s, m in sorted(postings))
    return f"{head}{_RS}{lines}"


def link(prev_hash: str, text: str) -> str:
    """The hash of an entry whose predecessor's hash is ``prev_hash``."""
    return hashlib.sha256(f"{prev_hash}{_RS}{text}".encode()).hexdigest()
