"""Static files: after ``collectstatic`` pages link content-hashed names, each with gzip and
brotli copies (served with a year's cache); before it, pages still link the plain names."""

from __future__ import annotations

from pathlib import Path

from django.core.management import call_command
from django.templatetags.static import static
from django.test import override_settings


def test_collected_files_are_hashed_and_compressed(tmp_path: Path) -> None:
    # Changing STATIC_ROOT makes Django build the storage anew (and again after the block).
    with override_settings(STATIC_ROOT=tmp_path):
        call_command("collectstatic", interactive=False, verbosity=0)
        url = static("kopdig/kopdig.css")
    name = url.rsplit("/", 1)[-1]
    assert name != "kopdig.css" and name.startswith("kopdig.") and name.endswith(".css")
    for suffix in ("", ".gz", ".br"):
        assert (tmp_path / "kopdig" / f"{name}{suffix}").exists()


def test_uncollected_files_keep_their_plain_names(tmp_path: Path) -> None:
    with override_settings(STATIC_ROOT=tmp_path):
        assert static("kopdig/kopdig.js") == "/static/kopdig/kopdig.js"
