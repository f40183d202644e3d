"""Load the Kemendagri region list that ships with Kopdig (``fixtures/wilayah-5315.csv``)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

REGION_FILE = Path(__file__).parent / "fixtures" / "wilayah-5315.csv"


def region_rows(path: Path = REGION_FILE) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def load_regions(region_model: Any, path: Path = REGION_FILE) -> int:
    """Insert or update every region in the file; parents first. Returns the row count."""
    rows = sorted(region_rows(path), key=lambda r: len(r["code"]))
    if not region_model.objects.exists():
        region_model.objects.bulk_create(
            region_model(
                code=row["code"],
                name=row["name"],
                level=row["level"],
                parent_id=row["parent_code"] or None,
            )
            for row in rows
        )
        return len(rows)
    for row in rows:
        region_model.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "level": row["level"],
                "parent_id": row["parent_code"] or None,
            },
        )
    return len(rows)
