"""Text that is written into the books: journal memos and the memos of savings movements.

The books of a koperasi are kept in Indonesian, the language of its members, its pengawas, the
RAT and the Dinas's inspectors, whatever language the person at the screen reads. So this text
is data in Indonesian and never goes through gettext: a kasir who chose English would otherwise
write English memos into books that everybody else reads in Indonesian. The interface
translates around these texts (labels, headings), never the texts themselves.
"""

from __future__ import annotations

__all__ = ["books_text"]


def books_text(text: str, /, **params: object) -> str:
    """``text`` (Indonesian) with ``%(name)s`` fields filled from ``params``."""
    return text % params if params else text
