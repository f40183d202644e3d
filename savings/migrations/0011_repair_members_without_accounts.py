"""Give every active member who was registered from the Anggota page before it opened savings
accounts the accounts new members get and the simpanan pokok charge, as
``savings.services.member_enrol`` does now.

No journal entry is posted, on purpose: simpanan pokok is booked when it is paid (the savings
ledger keeps no pokok receivable, see ``savings.models.Obligation``), so the charge is the
obligation rows alone and the books are unchanged; the member pays it at the counter, which
posts Dr kas / Cr simpanan pokok. On a fresh database there are no members and this does
nothing; run twice, it finds nobody the second time.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, Decimal
from zoneinfo import ZoneInfo

from django.db import migrations
from django.utils import timezone


def _today(koperasi) -> dt.date:
    if koperasi.business_date is not None:
        return koperasi.business_date
    return timezone.now().astimezone(ZoneInfo(koperasi.timezone or "Asia/Makassar")).date()


def _parts(total: Decimal, count: int) -> list[Decimal]:
    """As savings.services.pokok_instalments (core.money.allocate with equal weights): whole
    rupiah where possible; the units left over go one each to the earliest parts."""
    unit = Decimal("1") if total == total.to_integral_value() else Decimal("0.01")
    count = max(count, 1)
    share = (total / count).quantize(unit, rounding=ROUND_DOWN)
    left = int((total - share * count) / unit)
    parts = [share + (unit if i < left else 0) for i in range(count)]
    return [p for p in parts if p > 0]


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def repair(apps, schema_editor) -> None:
    Member = apps.get_model("members", "Member")
    Product = apps.get_model("savings", "Product")
    ProductTerms = apps.get_model("savings", "ProductTerms")
    Account = apps.get_model("savings", "Account")
    Obligation = apps.get_model("savings", "Obligation")
    AuditEvent = apps.get_model("core", "AuditEvent")
    bare = (
        Member.objects.filter(status="aktif", savings_accounts__isnull=True)
        .select_related("koperasi")
        .order_by("koperasi_id", "pk")
    )
    for member in bare:
        koperasi = member.koperasi
        products = list(
            Product.objects.filter(koperasi=koperasi, is_active=True)
            .exclude(kind="berjangka")
            .order_by("kind", "code")
        )
        pokok = next((p for p in products if p.kind == "pokok"), None)
        if pokok is None:
            continue  # no savings products yet: the koperasi sets them up first
        today = _today(koperasi)
        opened = []
        for product in [pokok, *(p for p in products if p.kind != "pokok" and p.open_on_join)]:
            number = f"{member.number}-{product.code}"
            n = 1
            while Account.objects.filter(koperasi=koperasi, number=number).exists():
                n += 1
                number = f"{member.number}-{product.code}-{n}"
            opened.append(
                Account.objects.create(
                    koperasi=koperasi,
                    member=member,
                    product=product,
                    kind=product.kind,
                    number=number,
                    opened_on=today,
                )
            )
        terms = (
            ProductTerms.objects.filter(product=pokok, effective_from__lte=today)
            .order_by("-effective_from")
            .first()
        )
        parts = _parts(terms.pokok_amount, terms.pokok_instalments) if terms else []
        start = today.replace(day=1)
        for i, part in enumerate(parts):
            Obligation.objects.create(
                koperasi=koperasi,
                account=opened[0],
                member=member,
                kind="pokok",
                period=_add_months(start, i),
                amount=part,
            )
        AuditEvent.objects.create(
            koperasi=koperasi,
            action="savings.member_enrol",
            object_type="members.Member",
            object_id=str(member.pk),
            object_repr=f"{member.number} {member.full_name}"[:200],
            after={"pokok_owed": str(sum(parts, Decimal(0))), "accounts": len(opened)},
            note="Perbaikan data: rekening anggota yang didaftarkan tanpa rekening simpanan.",
        )


class Migration(migrations.Migration):
    dependencies = [
        ("savings", "0010_money_ranges_rest"),
        ("members", "0002_name_search_generated"),
        ("core", "0002_audit_append_only"),
    ]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop)]
