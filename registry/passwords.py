"""A password rule Django's own validators do not know: the words anyone would try first here."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# The product's name is on every page; the demo's shared password is printed in the README.
KNOWN_WORDS = ("kopdig",)


class KnownWordsValidator:
    def validate(self, password: str, user: Any = None) -> None:
        folded = password.casefold()
        if any(word in folded for word in KNOWN_WORDS):
            raise ValidationError(
                _("Kata sandi tidak boleh memuat nama aplikasi (“Kopdig”)."),
                code="password_known_word",
            )

    def get_help_text(self) -> str:
        return _("Kata sandi tidak boleh memuat nama aplikasi (“Kopdig”).")
