"""The loan portfolio pages: list with filters, arrears for collection, kolektibilitas and PPAP
report with the NPL, the override form; roles, exports, totals over every page, isolation."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.models import AuditEvent
from loans.models import Loan
from loans.services import closing
from registry.models import Koperasi, Region
from tests import isolation
from tests.factories import MemberFactory
from tests.loans.builders import active_loan, pay_instalments

START = dt.date(2026, 1, 10)
TODAY = dt.date(2026, 6, 1)


def _url(name: str, koperasi: Koperasi, **kwargs: Any) -> str:
    return reverse(f"loans:{name}", kwargs={"kode": koperasi.code, **kwargs})


@pytest.fixture
def book(koperasi: Koperasi) -> dict[str, Loan]:
    """Three loans of Rp10.000.000 disbursed 10 January 2026, on 1 June: one paid up; one in
    desa A three instalments behind (83 days, still Lancar); one in desa B that paid nothing
    (111 days: Kurang Lancar)."""
    desas = list(Region.objects.filter(level=Region.Level.DESA).order_by("code")[:2])
    good = active_loan(koperasi, principal=10_000_000, tenor=12, disbursed_on=START)
    late_member = MemberFactory.create(koperasi=koperasi, desa=desas[0], phone="+6281234567890")
    late = active_loan(
        koperasi, principal=10_000_000, tenor=12, disbursed_on=START, member=late_member
    )
    bad = active_loan(
        koperasi,
        principal=10_000_000,
        tenor=12,
        disbursed_on=START,
        member=MemberFactory.create(koperasi=koperasi, desa=desas[1]),
    )
    pay_instalments(good, 4, dt.date(2026, 5, 10))
    pay_instalments(late, 1, dt.date(2026, 2, 10))
    koperasi.business_date = TODAY
    koperasi.save(update_fields=["business_date"])
    for step in (closing.charge_denda, closing.update_arrears):
        step(koperasi=koperasi, day=TODAY, actor=None)
    return {"good": good, "late": late, "bad": bad}


def test_loan_list_filters_and_totals(
    client: Any, koperasi: Koperasi, kasir: Any, book: Any
) -> None:
    client.force_login(kasir)
    page = client.get(_url("loan_list", koperasi))
    assert page.status_code == 200
    body = page.content.decode()
    assert book["late"].number in body and 'data-total="count">3<' in body
    only_kl = client.get(_url("loan_list", koperasi), {"kolektibilitas": "kurang_lancar"})
    text = only_kl.content.decode()
    assert book["bad"].number in text and book["good"].number not in text
    desa = book["late"].member.desa_id
    by_desa = client.get(_url("loan_list", koperasi), {"desa": desa}).content.decode()
    assert book["late"].number in by_desa and book["bad"].number not in by_desa


def test_arrears_list_shows_phone_and_amounts_due_by_desa(
    client: Any, koperasi: Koperasi, pengawas: Any, book: Any
) -> None:
    client.force_login(pengawas)
    body = client.get(_url("arrears", koperasi)).content.decode()
    assert book["good"].number not in body
    assert "0812-3456-7890" in body or "081234567890" in body
    # late: instalments 2–4 due (10 Mar … 10 May) → 3 × 933.333; a day's denda 3 × 933.
    assert "Rp2.799.999" in body and "Rp2.802.798" in body
    assert 'data-total="loans">2<' in body


def test_exports_of_each_list(client: Any, koperasi: Koperasi, pengurus: Any, book: Any) -> None:
    client.force_login(pengurus)
    csv = client.get(_url("arrears", koperasi), {"format": "csv"})
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Desa,Nomor pinjaman")
    assert book["late"].number in text and "2799999.00" in text
    xlsx = client.get(_url("loan_list", koperasi), {"format": "xlsx", "status": "aktif"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert book["bad"].number in values
    grades = client.get(_url("grades", koperasi), {"format": "csv"}).content.decode("utf-8-sig")
    assert "Kurang Lancar,1,10000000.00" in grades


def test_grade_report_and_npl_band(client: Any, koperasi: Koperasi, kasir: Any, book: Any) -> None:
    client.force_login(kasir)
    body = client.get(_url("grades", koperasi)).content.decode()
    # 10.000.000 of 25.833.335 outstanding is Kurang Lancar: NPL 38,71%, tidak sehat.
    assert "38.71%" in body or "38,71%" in body
    assert "Tidak sehat" in body
    # Required: 0,5% of 6.666.668 (33.333) and of 9.166.667 (45.833), 10% of 10.000.000.
    assert 'data-total="required">Rp1.079.166<' in body
    assert 'data-total="booked">Rp0<' in body


def test_override_form_pengurus_only_reason_required_and_audited(
    client: Any, koperasi: Koperasi, pengurus: Any, kasir: Any, book: Any
) -> None:
    url = _url("grade_override", koperasi, loan_id=book["bad"].pk)
    client.force_login(kasir)
    assert client.get(url).status_code == 403
    assert client.post(url, {"grade": "macet", "reason": "x"}).status_code == 403
    client.force_login(pengurus)
    assert client.get(url).status_code == 200
    refused = client.post(url, {"grade": "macet", "reason": ""})
    assert "Alasan harus diisi" in refused.content.decode()
    assert Loan.objects.get(pk=book["bad"].pk).grade_override == ""
    done = client.post(url, {"grade": "macet", "reason": "Jaminan tidak ada"})
    assert done.status_code == 302
    loan = Loan.objects.get(pk=book["bad"].pk)
    assert (loan.grade, loan.override_reason) == ("macet", "Jaminan tidak ada")
    assert AuditEvent.objects.filter(action="loans.grade_override", actor=pengurus).exists()
    client.post(url, {"grade": "hapus", "reason": "Dinilai ulang"})
    assert Loan.objects.get(pk=book["bad"].pk).grade_override == ""


def test_paging_of_fifty_with_totals_over_every_page(
    client: Any, koperasi: Koperasi, kasir: Any
) -> None:
    for _n in range(51):
        active_loan(koperasi, principal=1_000_000, tenor=6, disbursed_on=START)
    client.force_login(kasir)
    first = client.get(_url("loan_list", koperasi)).content.decode()
    assert first.count("PJ/UJI/") == 50 and 'data-total="count">51<' in first
    second = client.get(_url("loan_list", koperasi), {"page": 2}).content.decode()
    assert second.count("PJ/UJI/") == 1


def test_another_koperasis_loan_is_not_found(
    client: Any, koperasi: Koperasi, other_koperasi: Koperasi, pengurus: Any
) -> None:
    theirs = Loan.objects.get(pk=isolation.OBJECT_MAKERS["loan_id"](other_koperasi))
    client.force_login(pengurus)
    assert client.get(_url("grade_override", koperasi, loan_id=theirs.pk)).status_code == 404
    assert (
        client.post(
            _url("grade_override", koperasi, loan_id=theirs.pk),
            {"grade": "macet", "reason": "x"},
        ).status_code
        == 404
    )
    assert Decimal(Loan.objects.get(pk=theirs.pk).allowance) == 0
