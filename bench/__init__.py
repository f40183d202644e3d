"""Benchmarks: speed is measured here, never asserted in tests.

``python -m bench`` runs every module ``bench/<name>.py`` that has a ``run()`` function, in
name order; ``python -m bench ledger`` runs one, and ``python -m bench savings.deposit`` one part
of one (named in the module's ``PARTS``). Each prints its own figures (rates and ratios against
a baseline measured in the same run).

:func:`setup` gives the benchmarks a database of their own: unless ``DATABASE_URL`` is set, a
fresh SQLite file (WAL, the same settings as the embedded install) in a temporary folder, so a
benchmark never touches ``data/``. With ``DATABASE_URL`` set, that database is migrated and
used (point it at a scratch database).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_ready = False


def setup() -> None:
    """Configure Django for benchmarks and migrate the database (once per process)."""
    global _ready
    if _ready:
        return
    if not os.environ.get("DATABASE_URL"):
        folder = tempfile.mkdtemp(prefix="kopdig-bench-")
        os.environ["KOPDIG_DATA_DIR"] = folder
        os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kopdig.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    _ready = True


def koperasi(code: str, business_date: Any) -> Any:
    """A koperasi of its own for one benchmark, in the first kecamatan, on ``business_date``."""
    from registry.models import Koperasi, Region

    return Koperasi.objects.create(
        name=f"KSP Bench {code}",
        code=code,
        kind=Koperasi.Kind.SIMPAN_PINJAM,
        kecamatan=Region.objects.filter(level=Region.Level.KECAMATAN).order_by("code")[0],
        business_date=business_date,
    )


def engine() -> str:
    from django.db import connection

    return str(connection.vendor)


class Timing:
    """Wall-clock and CPU seconds of a block; ``timing()`` is the wall-clock seconds.

    On a shared machine the wall clock also counts other people's work; the CPU time of this
    process (which includes SQLite, running in-process) shows what the code itself costs.
    """

    def __init__(self) -> None:
        self._wall = time.perf_counter()
        self._cpu = time.process_time()
        self.wall = 0.0
        self.cpu = 0.0

    def stop(self) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu

    def __call__(self) -> float:
        return self.wall or (time.perf_counter() - self._wall)


@contextmanager
def timer() -> Iterator[Timing]:
    """``with timer() as t: ...`` then ``t.wall`` and ``t.cpu`` are the seconds it took."""
    timing = Timing()
    try:
        yield timing
    finally:
        timing.stop()


def load() -> str:
    """The machine's load average, printed beside figures measured on a shared machine."""
    one, five, _fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} on {os.cpu_count()} CPUs"


def figure(label: str, value: float, unit: str = "", note: str = "") -> None:
    """Print one figure, aligned: ``  label ............ 12 345.6 unit  (note)``."""
    number = f"{value:,.1f}".replace(",", " ") if abs(value) >= 100 else f"{value:.3g}"
    text = f"  {label} ".ljust(58, ".") + f" {number} {unit}".rstrip()
    print(text + (f"  ({note})" if note else ""), flush=True)
