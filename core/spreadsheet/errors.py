"""Problems found in a file, kept as data but capped.

A file with a mistake in every cell must not become a page of 600 000 rows or a JSON column of
125 MB: :class:`ErrorLog` keeps the first few hundred problems for the page, counts all of them,
and writes every one into a gzipped CSV report (a few MB at worst) that the user downloads.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _

FIELDS = ("sheet", "row", "column", "code", "message", "text")
KEEP = 200


def _safe(value: Any) -> Any:
    """A cell text that Excel would run as a formula (=, +, -, @) is written as text."""
    if value and isinstance(value, str) and value[0] in FORMULA_STARTS:
        return "'" + value
    return value


FORMULA_STARTS = frozenset("=+-@\t\r")


class ErrorLog:
    """Every problem counted; the first ``keep`` kept for the page; all in :meth:`report`."""

    def __init__(self, *, keep: int = KEEP) -> None:
        self.keep = keep
        self.count = 0
        self.kept: list[dict[str, Any]] = []
        self.codes: Counter[str] = Counter()
        self._buffer = io.BytesIO()
        self._gzip = gzip.GzipFile(fileobj=self._buffer, mode="wb", compresslevel=6, mtime=0)
        self._text = io.TextIOWrapper(self._gzip, encoding="utf-8-sig", newline="")
        self._csv = csv.writer(self._text)
        self._csv.writerow(
            [_("Lembar"), _("Baris"), _("Kolom"), _("Kode"), _("Masalah"), _("Isi sel")]
        )
        self._report: bytes | None = None

    def add(self, error: Mapping[str, Any] | Sequence[Any]) -> None:
        """One problem: a mapping with the :data:`FIELDS`, or a tuple in their order (a
        ``NamedTuple`` such as ``savings.services.payroll.RowError``)."""
        if isinstance(error, Mapping):
            values = [error.get(f, "") for f in FIELDS]
        else:
            values = list(error)
        self.count += 1
        self.codes[values[3]] += 1
        if len(self.kept) < self.keep:
            self.kept.append(dict(zip(FIELDS, values, strict=True)))
        self._csv.writerow([_safe(v) for v in values])

    def __len__(self) -> int:
        return self.count

    def __bool__(self) -> bool:
        return self.count > 0

    def report(self) -> bytes:
        """Every problem as a gzipped CSV (UTF-8 with BOM, so Excel opens it as such)."""
        if self._report is None:
            self._text.flush()
            self._text.detach()
            self._gzip.close()
            self._report = self._buffer.getvalue()
        return self._report


def report_lines(report: bytes, chunk: int = 256 * 1024) -> Iterator[bytes]:
    """A stored gzipped report, inflated piece by piece for a streaming download."""
    with gzip.GzipFile(fileobj=io.BytesIO(report)) as stream:
        while piece := stream.read(chunk):
            yield piece
