"""Reads of the member register; every function takes the koperasi explicitly."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from core.dates import business_date
from members.models import Member, MemberNumberFormat
from registry.models import Koperasi
from savings.models import Account

# Typing fewer digits than this into the search box does not search the NIK's tail.
NIK_TAIL_MIN = 4
# Member numbers are zero-padded to at most this many digits ("126" finds 00126).
NUMBER_WIDTH_MAX = 10
# How alike a typed word and a name's word must be to count as a misspelling (difflib ratio).
FUZZY_CUTOFF = 0.75
# Fewer direct matches than this and the search also looks for near spellings.
FUZZY_WHEN_FEWER = 5


def member_get(*, koperasi: Koperasi, member_id: int | str) -> Member:
    """One member of this koperasi, or 404 (another koperasi's member is a 404 too)."""
    return get_object_or_404(
        Member.objects.select_related("desa", "desa__parent"), koperasi=koperasi, pk=member_id
    )


def member_savings(*, koperasi: Koperasi, member: Member) -> list[Account]:
    """The member's savings accounts with their products, open ones first, in one query."""
    return list(
        Account.objects.filter(koperasi=koperasi, member=member)
        .select_related("product")
        .order_by("status", "kind", "pk")
    )


def member_list(
    *,
    koperasi: Koperasi,
    status: str | None = None,
    q: str = "",
    desa_code: str | None = None,
) -> QuerySet[Member]:
    """The koperasi's members by number, optionally by status, desa and a search text."""
    qs = Member.objects.filter(koperasi=koperasi)
    if status:
        qs = qs.filter(status=status)
    if desa_code:
        qs = qs.filter(desa_id=desa_code)
    if q.strip():
        qs = qs.filter(_search_condition(q))
    return qs.select_related("desa").order_by("number", "pk")


def _phone_forms(digits: str) -> str | None:
    """What a typed phone number looks like stored (``+628…``), or ``None`` if not a phone."""
    if digits.startswith("08"):
        return "+62" + digits[1:]
    if digits.startswith("628"):
        return "+" + digits
    if digits.startswith("8") and len(digits) >= 3:
        return "+62" + digits
    return None


def _search_condition(q: str) -> Q:
    """Match ``q`` against number (exact/prefix), name, NIK (exact/tail) and phone (prefix)."""
    text = " ".join(q.split())
    lowered = text.lower()
    cond = Q(number__startswith=text) | Q(name_search__contains=lowered)
    if text.upper() != text:
        cond |= Q(number__startswith=text.upper())
    digits = re.sub(r"[\s.\-()+]", "", text)
    if text.isdigit() and len(text) < NUMBER_WIDTH_MAX:
        # The number typed without its leading zeros: exact lookups on the indexed column.
        cond |= Q(number__in=[text.zfill(w) for w in range(len(text) + 1, NUMBER_WIDTH_MAX + 1)])
    if digits.isdigit():
        if len(digits) == 16:
            cond |= Q(nik=digits)
        elif len(digits) >= NIK_TAIL_MIN:
            cond |= Q(nik__endswith=digits)
        phone = _phone_forms(digits)
        if phone is not None:
            cond |= Q(phone__startswith=phone)
    return cond


def fold(text: str) -> str:
    """Lower case without accents: "Joséfa" and "josefa" read the same."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _near_spellings(*, koperasi: Koperasi, text: str, exclude: set[int]) -> list[Member]:
    """Members whose name has, for every word typed, a word spelled alike (accents and case
    ignored, a letter or two wrong). Plain Python over this koperasi's names (``difflib``), so
    it works the same on SQLite and PostgreSQL; run only when the direct search finds little.
    """
    words = [w for w in fold(text).split() if len(w) >= 3 and not w.isdigit()]
    if not words:
        return []
    names = list(Member.objects.filter(koperasi=koperasi).values_list("pk", "full_name"))
    vocabulary = {w for _pk, name in names for w in fold(name).split()}
    near = []
    for word in words:
        alike = {word, *difflib.get_close_matches(word, vocabulary, n=8, cutoff=FUZZY_CUTOFF)}
        alike |= {v for v in vocabulary if v.startswith(word)}
        near.append(alike)
    ids = [
        pk
        for pk, name in names
        if pk not in exclude and all(any(w in alike for w in fold(name).split()) for alike in near)
    ]
    return list(Member.objects.filter(pk__in=ids[:50]).select_related("desa"))


def member_search(*, koperasi: Koperasi, q: str, limit: int = 20) -> list[Member]:
    """The kasir's quick find: best matches first (exact number/NIK, then prefixes, then rest,
    then names spelled alike).

    The number (also without its leading zeros), name-prefix and phone conditions use the
    (koperasi, …) indexes; the name "contains" and NIK-tail conditions scan only this
    koperasi's rows; near spellings are looked for only when few rows match directly.
    """
    text = " ".join(q.split())
    if not text:
        return []
    rows = list(
        Member.objects.filter(koperasi=koperasi)
        .filter(_search_condition(text))
        .select_related("desa")
        .order_by("number", "pk")[: limit * 3]
    )
    near: set[int] = set()
    if len(rows) < FUZZY_WHEN_FEWER:
        alike = _near_spellings(koperasi=koperasi, text=text, exclude={m.pk for m in rows})
        near = {m.pk for m in alike}
        rows += alike
    lowered = text.lower()
    digits = re.sub(r"[\s.\-()+]", "", text)

    def rank(m: Member) -> tuple[int, int]:
        if (
            m.number == text
            or m.nik == digits
            or (text.isdigit() and m.number.lstrip("0") == text.lstrip("0"))
        ):
            score = 0
        elif m.number.startswith(text) or m.name_search.startswith(lowered):
            score = 1
        elif any(word.startswith(lowered) for word in m.name_search.split()):
            score = 2
        elif m.pk in near:
            score = 4
        else:
            score = 3
        return score, int(m.status != Member.Status.AKTIF)

    rows.sort(key=rank)
    return rows[:limit]


def member_counts(*, koperasi: Koperasi) -> dict[str, int]:
    """How many members the koperasi has in each status, and in all."""
    counts = dict.fromkeys(Member.Status.values, 0)
    rows = Member.objects.filter(koperasi=koperasi).values("status").annotate(n=Count("pk"))
    for row in rows.order_by():
        counts[row["status"]] = row["n"]
    counts["semua"] = sum(counts.values())
    return counts


def number_format_get(*, koperasi: Koperasi) -> MemberNumberFormat:
    """The koperasi's numbering rule (an unsaved default if it never set one)."""
    fmt = MemberNumberFormat.objects.filter(koperasi=koperasi).first()
    return fmt or MemberNumberFormat(koperasi=koperasi)


def next_number_preview(*, koperasi: Koperasi, join_date: dt.date | None = None) -> str | None:
    """The number the next registration would probably get (not reserved; ``None`` if manual)."""
    fmt = number_format_get(koperasi=koperasi)
    year = (join_date or business_date(koperasi)).year
    seq = fmt.sequence_start(year)
    if seq is None:
        return None
    number = fmt.format(seq=seq, year=year)
    if Member.objects.filter(koperasi=koperasi, number=number).exists():
        taken = set(Member.objects.filter(koperasi=koperasi).values_list("number", flat=True))
        _seq, number = fmt.next_free(seq=seq, year=year, taken=taken)
    return number
