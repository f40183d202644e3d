from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404

from members.models import Member
from members.selectors import (
    member_counts,
    member_get,
    member_list,
    member_search,
    next_number_preview,
)
from registry.models import Koperasi
from tests.factories import MemberFactory


@pytest.fixture
def people(koperasi: Koperasi) -> dict[str, Member]:
    return {
        "rina": MemberFactory.create(
            koperasi=koperasi,
            number="00012",
            full_name="Rina Marlina",
            nik="5315054506900001",
            phone="+6281234567890",
        ),
        "marlin": MemberFactory.create(
            koperasi=koperasi,
            number="00120",
            full_name="Marlinus Jehaut",
            nik="5315050101850123",
            phone="+6285200001111",
        ),
        "yosef": MemberFactory.create(
            koperasi=koperasi,
            number="AGT-2026-0001",
            full_name="Yosef Lado",
            nik="5315051212800777",
            status=Member.Status.KELUAR,
            left_on=dt.date(2026, 1, 2),
        ),
    }


def found(koperasi: Koperasi, q: str) -> list[str]:
    return [m.number for m in member_search(koperasi=koperasi, q=q)]


def test_search_by_number_exact_then_prefix(koperasi: Koperasi, people: dict) -> None:
    MemberFactory.create(koperasi=koperasi, number="000120")
    assert found(koperasi, "00012") == ["00012", "000120"]
    # "0012" is 00012 without a leading zero (first), and the prefix of 00120.
    assert found(koperasi, "0012") == ["00012", "00120"]
    assert found(koperasi, "agt-2026") == ["AGT-2026-0001"]


def test_search_by_name_ignores_case_and_finds_inside(koperasi: Koperasi, people: dict) -> None:
    assert found(koperasi, "RINA") == ["00012"]
    # "marlin" starts Marlinus's name and is inside Rina Marlina's: the prefix ranks first.
    assert found(koperasi, "marlin") == ["00120", "00012"]
    assert found(koperasi, "jeha") == ["00120"]


def test_search_by_nik_exact_or_last_digits(koperasi: Koperasi, people: dict) -> None:
    assert found(koperasi, "5315054506900001") == ["00012"]
    assert found(koperasi, "0123") == ["00120"]
    assert found(koperasi, "5315 0512 1280 0777") == ["AGT-2026-0001"]


@pytest.mark.parametrize("q", ["0812-3456", "+62812345", "62812 3456 7890", "812345"])
def test_search_by_phone_in_any_form(koperasi: Koperasi, people: dict, q: str) -> None:
    assert found(koperasi, q) == ["00012"]


def test_search_ranks_active_before_former(koperasi: Koperasi, people: dict) -> None:
    MemberFactory.create(koperasi=koperasi, number="00500", full_name="Yosef Jemadu")
    assert found(koperasi, "yosef") == ["00500", "AGT-2026-0001"]


def test_search_stays_in_the_koperasi(
    koperasi: Koperasi, other_koperasi: Koperasi, people: dict
) -> None:
    MemberFactory.create(koperasi=other_koperasi, number="00013", full_name="Rina Lain")
    assert found(koperasi, "rina") == ["00012"]
    assert found(other_koperasi, "rina") == ["00013"]


def test_search_respects_limit_and_empty_query(koperasi: Koperasi) -> None:
    MemberFactory.create_batch(30, koperasi=koperasi)
    assert len(member_search(koperasi=koperasi, q="anggota", limit=20)) == 20
    assert member_search(koperasi=koperasi, q="   ") == []


def test_member_list_filters(koperasi: Koperasi, people: dict) -> None:
    assert [m.number for m in member_list(koperasi=koperasi)] == [
        "00012",
        "00120",
        "AGT-2026-0001",
    ]
    assert [m.number for m in member_list(koperasi=koperasi, status="keluar")] == ["AGT-2026-0001"]
    assert [m.number for m in member_list(koperasi=koperasi, q="lado")] == ["AGT-2026-0001"]


def test_member_counts(koperasi: Koperasi, people: dict) -> None:
    assert member_counts(koperasi=koperasi) == {
        "aktif": 2,
        "keluar": 1,
        "meninggal": 0,
        "semua": 3,
    }


def test_member_get_is_404_for_another_koperasi(
    koperasi: Koperasi, other_koperasi: Koperasi, people: dict
) -> None:
    rina = people["rina"]
    assert member_get(koperasi=koperasi, member_id=rina.pk) == rina
    with pytest.raises(Http404):
        member_get(koperasi=other_koperasi, member_id=rina.pk)


def test_next_number_preview(koperasi: Koperasi) -> None:
    assert next_number_preview(koperasi=koperasi) == "00001"
    MemberFactory.create(koperasi=koperasi, number="00001")
    assert next_number_preview(koperasi=koperasi) == "00002"


def test_search_finds_a_number_typed_without_its_leading_zeros(
    koperasi: Koperasi, people: dict
) -> None:
    assert found(koperasi, "12")[0] == "00012"
    assert found(koperasi, "120")[0] == "00120"
    MemberFactory.create(koperasi=koperasi, number="00126", full_name="Agnes Nurak")
    assert found(koperasi, "126") == ["00126"]


@pytest.mark.parametrize("q", ["RINA", "rína marlína", "Rina Marlna", "rian marlina", "Marlinaa"])
def test_search_ignores_case_accents_and_small_misspellings(
    koperasi: Koperasi, people: dict, q: str
) -> None:
    assert found(koperasi, q)[0] == "00012"


def test_near_spellings_come_after_direct_matches(koperasi: Koperasi, people: dict) -> None:
    # Rina Marlina has the word; Marlinus is only spelled alike, so comes second.
    assert found(koperasi, "Marlina") == ["00012", "00120"]
    assert found(koperasi, "Zakarias") == []
