"""The Dinas's figures of a koperasi after an import or its revert."""

from __future__ import annotations

from registry.models import Koperasi


def refresh_figures(koperasi: Koperasi) -> None:
    """The Dinas's figures of the koperasi (members, savings, loans) as the import or its revert
    leaves them: they are kept up to date, not scanned, and would otherwise wait for the close
    of business (or a stage change, which an already digital koperasi does not make)."""
    from dashboard.services import figures_refresh

    # Read again: the import moves the stage on a copy of its own.
    figures_refresh(koperasi=Koperasi.objects.get(pk=koperasi.pk))
