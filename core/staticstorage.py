"""Static files: hashed names (cached for a year) once collected, plain names before that."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's compressed, hashed storage, forgiving a file not collected yet.

    After ``kopdig collectstatic`` each file is named by its content's hash (``kopdig.3f2a….css``)
    with ``.gz`` and ``.br`` copies beside it, and WhiteNoise serves such names with a year's
    cache. Before it (the test suite, ``kopdig runserver`` on a fresh checkout) a page links the
    plain name, which WhiteNoise finds in the app's ``static/`` folder, instead of failing.
    """

    def stored_name(self, name: str) -> str:
        clean = urlsplit(unquote(name)).path.strip()
        if self.hashed_files.get(self.hash_key(clean)) is None:
            return name
        return str(super().stored_name(name))
