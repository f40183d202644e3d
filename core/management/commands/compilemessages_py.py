"""Compile the project's .po catalogues to .mo without GNU gettext.

Django's own ``compilemessages`` needs ``msgfmt``, which a new machine with only Python lacks.
Interface text is written in Indonesian (the source language), so Kopdig works untranslated;
this compiles the English catalogue.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile .po translation catalogues to .mo (pure Python)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = 0
        for root in settings.LOCALE_PATHS:
            for po_path in Path(root).glob("*/LC_MESSAGES/*.po"):
                mo_path = po_path.with_suffix(".mo")
                if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                # Written beside and renamed: a process reading the catalogue meanwhile (tests
                # run in parallel) sees the old file or the new one, never half of one.
                partial = mo_path.with_name(f".{mo_path.name}.{os.getpid()}")
                polib.pofile(str(po_path)).save_as_mofile(str(partial))
                os.replace(partial, mo_path)
                count += 1
        if options["verbosity"] > 1:
            self.stdout.write(f"{count} catalogue(s) compiled")
