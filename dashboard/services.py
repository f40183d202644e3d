"""Writes of the Dinas and its consultants. Each is atomic, validates first, raises
:class:`DashboardError` with an Indonesian message, and leaves an audit record."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Min, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from core import audit
from core.dates import local_today
from dashboard.models import (
    AdoptionMonth,
    Contact,
    FollowUp,
    KoperasiFigures,
    MemberAppAccount,
    MemberAppActivity,
    NikCertificate,
    Officer,
    RatRecord,
    ReportedFigures,
    Visit,
)
from registry import services as registry_services
from registry.models import DigitalStageChange, Koperasi, Role

LOW_ADOPTION_PCT = 20
LOW_ADOPTION_AFTER_DAYS = 90
TREND_MONTHS = 12


class DashboardError(ValidationError):
    pass


def _today(koperasi: Koperasi | None = None) -> dt.date:
    return local_today(koperasi.timezone if koperasi is not None else "Asia/Makassar")


def _not_future(on: dt.date, what: str, koperasi: Koperasi | None = None) -> None:
    if on > _today(koperasi):
        raise DashboardError(_("%(what)s tidak boleh di masa depan.") % {"what": what})


# --- registry details ---------------------------------------------------------------------


@transaction.atomic
def officer_add(
    *,
    actor: Any,
    koperasi: Koperasi,
    position: str,
    name: str,
    term_start: dt.date,
    term_end: dt.date,
) -> Officer:
    if position not in Officer.Position.values:
        raise DashboardError(_("Jabatan tidak dikenal: %(p)s") % {"p": position})
    if not name.strip():
        raise DashboardError(_("Nama pengurus/pengawas wajib diisi."))
    if term_end <= term_start:
        raise DashboardError(_("Masa jabatan harus berakhir sesudah dimulai."))
    officer = Officer.objects.create(
        koperasi=koperasi,
        position=position,
        name=name.strip(),
        term_start=term_start,
        term_end=term_end,
    )
    audit.record(actor=actor, action="officer.add", obj=officer, after=audit.snapshot(officer))
    return officer


@transaction.atomic
def contact_add(
    *, actor: Any, koperasi: Koperasi, kind: str, value: str, person: str = ""
) -> Contact:
    from core.validators import normalize_phone

    if kind not in Contact.Kind.values:
        raise DashboardError(_("Jenis kontak tidak dikenal: %(k)s") % {"k": kind})
    value = value.strip()
    if not value:
        raise DashboardError(_("Kontak wajib diisi."))
    if kind == Contact.Kind.TELEPON:
        try:
            value = normalize_phone(value)
        except ValidationError as exc:
            raise DashboardError(exc.messages) from exc
    if kind == Contact.Kind.EMAIL and "@" not in value:
        raise DashboardError(_("Alamat surel tidak valid."))
    contact = Contact.objects.create(
        koperasi=koperasi, kind=kind, value=value, person=person.strip()
    )
    audit.record(actor=actor, action="contact.add", obj=contact, after=audit.snapshot(contact))
    return contact


@transaction.atomic
def rat_record(
    *,
    actor: Any,
    koperasi: Koperasi,
    book_year: int,
    held_on: dt.date,
    report_received_on: dt.date | None = None,
) -> RatRecord:
    """Record a RAT; the koperasi's "RAT terakhir" follows the latest one held."""
    _not_future(held_on, _("Tanggal RAT"), koperasi)
    if report_received_on is not None:
        _not_future(report_received_on, _("Tanggal laporan diterima"), koperasi)
        if report_received_on < held_on:
            raise DashboardError(_("Laporan RAT tidak mungkin diterima sebelum RAT diadakan."))
    if held_on.year <= book_year:
        raise DashboardError(
            _("RAT tahun buku %(y)s diadakan sesudah tahun buku itu berakhir.") % {"y": book_year}
        )
    existing = RatRecord.objects.select_for_update().filter(koperasi=koperasi, book_year=book_year)
    before = audit.snapshot(existing[0]) if existing else None
    record, _created = RatRecord.objects.update_or_create(
        koperasi=koperasi,
        book_year=book_year,
        defaults={"held_on": held_on, "report_received_on": report_received_on},
    )
    audit.record(
        actor=actor, action="rat.record", obj=record, before=before, after=audit.snapshot(record)
    )
    if koperasi.last_rat_on is None or held_on > koperasi.last_rat_on:
        registry_services.koperasi_update(actor=actor, koperasi=koperasi, last_rat_on=held_on)
        koperasi.last_rat_on = held_on
    return record


@transaction.atomic
def certificate_add(
    *, actor: Any, koperasi: Koperasi, number: str, issued_on: dt.date
) -> NikCertificate:
    """A new NIK koperasi certificate (valid two years); the koperasi's NIK follows it."""
    number = number.strip()
    if not number.isdigit() or not 10 <= len(number) <= 20:
        raise DashboardError(_("NIK koperasi terdiri dari 10–20 angka."))
    _not_future(issued_on, _("Tanggal sertifikat"), koperasi)
    certificate = NikCertificate.objects.create(
        koperasi=koperasi, number=number, issued_on=issued_on
    )
    audit.record(
        actor=actor, action="certificate.add", obj=certificate, after=audit.snapshot(certificate)
    )
    if koperasi.nik_koperasi != number:
        registry_services.koperasi_update(actor=actor, koperasi=koperasi, nik_koperasi=number)
        koperasi.nik_koperasi = number
    return certificate


@transaction.atomic
def reported_figures_set(
    *, actor: Any, koperasi: Koperasi, book_year: int, **figures: Any
) -> ReportedFigures:
    """Figures of a koperasi's annual report, typed in by Dinas staff (shown as "dilaporkan")."""
    if book_year > _today(koperasi).year:
        raise DashboardError(_("Tahun buku tidak boleh di masa depan."))
    for key in ("members", "managers", "staff"):
        if int(figures.get(key) or 0) < 0:
            raise DashboardError(_("Jumlah orang tidak boleh negatif."))
    for key in ("modal_sendiri", "modal_luar", "assets", "volume"):
        if Decimal(figures.get(key) or 0) < 0:
            raise DashboardError(_("Modal, aset dan volume usaha tidak boleh negatif."))
    existing = ReportedFigures.objects.filter(koperasi=koperasi, book_year=book_year).first()
    before = audit.snapshot(existing) if existing else None
    row, _created = ReportedFigures.objects.update_or_create(
        koperasi=koperasi,
        book_year=book_year,
        defaults={**figures, "entered_by": actor if actor and actor.is_authenticated else None},
    )
    audit.record(
        actor=actor, action="figures.report", obj=row, before=before, after=audit.snapshot(row)
    )
    figures_refresh(koperasi=koperasi)
    return row


# --- consultants --------------------------------------------------------------------------


@transaction.atomic
def consultant_assign(*, actor: Any, consultant: Any, koperasi: Koperasi) -> None:
    registry_services.role_grant(
        actor=actor, user=consultant, role=Role.KONSULTAN, koperasi=koperasi
    )


@transaction.atomic
def consultant_unassign(*, actor: Any, consultant: Any, koperasi: Koperasi) -> None:
    grant = consultant.role_grants.filter(role=Role.KONSULTAN, koperasi=koperasi).first()
    if grant is None:
        raise DashboardError(_("Konsultan ini tidak mendampingi koperasi tersebut."))
    registry_services.role_revoke(actor=actor, grant=grant)


@dataclass(frozen=True)
class FollowUpInput:
    description: str
    due_on: dt.date


@dataclass(frozen=True)
class Photo:
    content: bytes
    content_type: str


@transaction.atomic
def visit_log(
    *,
    actor: Any,
    koperasi: Koperasi,
    on: dt.date,
    kind: str,
    topics: str,
    attendees: str = "",
    findings: str = "",
    follow_ups: list[FollowUpInput] | None = None,
    photo: Photo | None = None,
) -> Visit:
    """A consultant's visit or contact with a koperasi they mentor, with what follows from it."""
    if not actor.role_grants.filter(role=Role.KONSULTAN, koperasi=koperasi).exists():
        raise DashboardError(_("Anda bukan konsultan pendamping koperasi ini."))
    if kind not in Visit.Kind.values:
        raise DashboardError(_("Jenis kunjungan tidak dikenal: %(k)s") % {"k": kind})
    _not_future(on, _("Tanggal kunjungan"), koperasi)
    if not topics.strip():
        raise DashboardError(_("Topik wajib diisi."))
    if photo is not None:
        if photo.content_type not in Visit.PHOTO_TYPES:
            raise DashboardError(_("Foto harus berupa JPEG, PNG atau WebP."))
        if len(photo.content) > Visit.PHOTO_MAX_BYTES:
            raise DashboardError(_("Foto terlalu besar: paling besar 2 MB."))
        if not _looks_like(photo):
            raise DashboardError(_("Berkas ini bukan foto yang dapat dibaca."))
    for item in follow_ups or []:
        if not item.description.strip():
            raise DashboardError(_("Tindak lanjut wajib diberi keterangan."))
        if item.due_on < on:
            raise DashboardError(_("Batas waktu tindak lanjut tidak boleh sebelum kunjungan."))
    visit = Visit.objects.create(
        koperasi=koperasi,
        consultant=actor,
        on=on,
        kind=kind,
        topics=topics.strip(),
        attendees=attendees.strip(),
        findings=findings.strip(),
        photo=photo.content if photo else None,
        photo_type=photo.content_type if photo else "",
    )
    for item in follow_ups or []:
        FollowUp.objects.create(
            koperasi=koperasi,
            visit=visit,
            description=item.description.strip(),
            due_on=item.due_on,
        )
    audit.record(
        actor=actor,
        action="visit.log",
        obj=visit,
        after={
            "on": on.isoformat(),
            "kind": kind,
            "topics": visit.topics,
            "follow_ups": [f.description for f in follow_ups or []],
            "photo": bool(photo),
        },
    )
    return visit


_MAGIC = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/webp": (b"RIFF",),
}


def _looks_like(photo: Photo) -> bool:
    """The bytes start the way the announced type does (a browser's type is only a claim)."""
    return any(photo.content.startswith(m) for m in _MAGIC[photo.content_type])


@transaction.atomic
def follow_up_done(*, actor: Any, follow_up: FollowUp, on: dt.date | None = None) -> FollowUp:
    locked = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if locked.done_on is not None:
        raise DashboardError(_("Tindak lanjut ini sudah selesai."))
    done = on or _today(locked.koperasi)
    _not_future(done, _("Tanggal selesai"), locked.koperasi)
    locked.done_on = done
    locked.save(update_fields=["done_on"])
    audit.record(
        actor=actor,
        action="follow_up.done",
        obj=locked,
        koperasi=locked.koperasi,
        after={"done_on": done.isoformat()},
    )
    return locked


# --- figures ------------------------------------------------------------------------------


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _month_end(first: dt.date) -> dt.date:
    return (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def _months(since: dt.date, until: dt.date) -> list[dt.date]:
    out, month = [], _month_start(since)
    while month <= until:
        out.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return out


def _by_month(rows: Any) -> dict[dt.date, int]:
    out: dict[dt.date, int] = {}
    for month, n in rows:
        if month is None:
            continue
        day = month.date() if isinstance(month, dt.datetime) else month
        out[day] = int(n or 0)
    return out


def adoption_months_rebuild(*, koperasi: Koperasi, until: dt.date) -> list[AdoptionMonth]:
    """The last :data:`TREND_MONTHS` month-end rows of adoption, from the records, in a few
    grouped queries (members joined/left, app accounts, app activity, counter movements)."""
    from members.models import Member
    from savings.models import Transaction

    months = _months(until - dt.timedelta(days=31 * (TREND_MONTHS - 1)), until)
    first = months[0]
    members = Member.objects.filter(koperasi=koperasi)
    before = members.filter(join_date__lt=first).exclude(left_on__lt=first).count()
    joined = _by_month(
        members.filter(join_date__gte=first)
        .annotate(m=TruncMonth("join_date"))
        .values_list("m")
        .annotate(n=Count("id"))
    )
    left = _by_month(
        members.filter(left_on__gte=first, join_date__lt=first)
        .annotate(m=TruncMonth("left_on"))
        .values_list("m")
        .annotate(n=Count("id"))
    )
    accounts = MemberAppAccount.objects.filter(koperasi=koperasi)
    activated_before = accounts.filter(activated_on__lt=first).count()
    activated = _by_month(
        accounts.filter(activated_on__gte=first)
        .annotate(m=TruncMonth("activated_on"))
        .values_list("m")
        .annotate(n=Count("id"))
    )
    activity = MemberAppActivity.objects.filter(koperasi=koperasi, on__gte=first)
    active = _by_month(
        activity.annotate(m=TruncMonth("on"))
        .values_list("m")
        .annotate(n=Count("member", distinct=True))
    )
    actions = _by_month(
        activity.annotate(m=TruncMonth("on")).values_list("m").annotate(n=Sum("actions"))
    )
    counter = _by_month(
        Transaction.objects.filter(
            koperasi=koperasi,
            value_date__gte=first,
            kind__in=[Transaction.Kind.SETORAN, Transaction.Kind.PENARIKAN],
            voids__isnull=True,
        )
        .annotate(m=TruncMonth("value_date"))
        .values_list("m")
        .annotate(n=Count("id"))
    )
    rows, running, running_activated = [], before, activated_before
    for month in months:
        running += joined.get(month, 0) - left.get(month, 0)
        running_activated += activated.get(month, 0)
        rows.append(
            AdoptionMonth(
                koperasi=koperasi,
                month=month,
                members=max(running, 0),
                activated=running_activated,
                monthly_active=active.get(month, 0),
                app_actions=actions.get(month, 0),
                counter_actions=counter.get(month, 0),
            )
        )
    AdoptionMonth.objects.filter(koperasi=koperasi, month__gte=first).delete()
    AdoptionMonth.objects.bulk_create(rows)
    return rows


def _ledger_figures(koperasi: Koperasi, today: dt.date) -> dict[str, Decimal]:
    """Balance-sheet figures from the koperasi's books, by account class and role."""
    from ledger.models import Account, RoleMapping
    from ledger.selectors import balances

    now = balances(koperasi=koperasi, as_of=today)
    year_start = balances(koperasi=koperasi, as_of=dt.date(today.year - 1, 12, 31))
    klass = dict(
        Account.objects.filter(koperasi=koperasi).values_list("id", "klass")
    )  # debit-positive balances
    roles: dict[str, list[int]] = {}
    for role, account_id in RoleMapping.objects.filter(koperasi=koperasi).values_list(
        "role", "account_id"
    ):
        roles.setdefault(role.split(":", 1)[0], []).append(account_id)

    def total(kind: str, source: dict[int, Decimal]) -> Decimal:
        return sum((b for a, b in source.items() if klass.get(a) == kind), Decimal("0"))

    def role_total(role: str) -> Decimal:
        return sum((now.get(a, Decimal("0")) for a in set(roles.get(role, []))), Decimal("0"))

    income_year = -(total("pendapatan", now) - total("pendapatan", year_start))
    expense_year = total("beban", now) - total("beban", year_start)
    unclosed = -(total("pendapatan", now) + total("beban", now))
    loans = role_total("pinjaman_anggota")
    return {
        "assets": total("aset", now),
        "modal_luar": -total("liabilitas", now),
        "modal_sendiri": -total("ekuitas", now) + unclosed,
        "shu": income_year - expense_year,
        "loans_outstanding": loans,
        "loans_allowance": -role_total("penyisihan_pinjaman"),
        "productive_assets": loans + role_total("bank"),
    }


def _loan_figures(koperasi: Koperasi, year: int) -> tuple[Decimal, Decimal | None]:
    """Loans disbursed in ``year`` and the bad-loan share, from the loan sub-ledger's rows."""
    from loans.models import Kolektibilitas, Loan

    loans = Loan.objects.filter(koperasi=koperasi)
    disbursed = loans.filter(disbursed_on__year=year).aggregate(s=Sum("principal"))["s"]
    running = loans.filter(status=Loan.Status.AKTIF)
    bad = [Kolektibilitas.KURANG_LANCAR, Kolektibilitas.DIRAGUKAN, Kolektibilitas.MACET]
    sums = running.aggregate(
        all=Sum("outstanding_principal"),
        bad=Sum("outstanding_principal", filter=Q(kolektibilitas__in=bad)),
    )
    npl = None
    if sums["all"]:
        # Stored as a percentage to the hundredth (the field keeps two decimals).
        npl = (Decimal(sums["bad"] or 0) * 100 / Decimal(sums["all"])).quantize(Decimal("0.01"))
    return Decimal(disbursed or 0), npl


def digital_since(koperasi: Koperasi) -> dt.date | None:
    return DigitalStageChange.objects.filter(
        koperasi=koperasi, to_stage__in=Koperasi.DIGITAL_STAGES
    ).aggregate(first=Min("changed_on"))["first"]


@transaction.atomic
def figures_refresh(*, koperasi: Koperasi, today: dt.date | None = None) -> KoperasiFigures:
    """Recompute a koperasi's figures row (and its adoption months) from its records.

    Digital koperasi: from their members, app records, savings movements and books. The others:
    the latest annual report the Dinas entered, marked "dilaporkan"; nothing is estimated.
    """
    today = today or _today(koperasi)
    since = digital_since(koperasi)
    values: dict[str, Any] = {"as_of": today, "digital_since": since}
    if koperasi.is_digital:
        months = adoption_months_rebuild(koperasi=koperasi, until=today)
        last = months[-1]
        values.update(
            source=KoperasiFigures.Source.BUKU,
            members=last.members,
            activated=last.activated,
            monthly_active=last.monthly_active,
            app_actions=last.app_actions,
            counter_actions=last.counter_actions,
            **_ledger_figures(koperasi, today),
        )
        values["loans_disbursed_year"], values["npl"] = _loan_figures(koperasi, today.year)
    else:
        report = ReportedFigures.objects.filter(koperasi=koperasi).order_by("-book_year").first()
        values.update(
            source=KoperasiFigures.Source.DILAPORKAN,
            members=report.members if report else 0,
            activated=0,
            monthly_active=0,
            app_actions=0,
            counter_actions=0,
            modal_sendiri=report.modal_sendiri if report else Decimal("0"),
            modal_luar=report.modal_luar if report else Decimal("0"),
            assets=report.assets if report else Decimal("0"),
            shu=report.shu if report else Decimal("0"),
            loans_outstanding=Decimal("0"),
            loans_allowance=Decimal("0"),
            productive_assets=Decimal("0"),
            loans_disbursed_year=report.volume if report else Decimal("0"),
            npl=None,
        )
    members = values["members"]
    pct = 100 * values["activated"] / members if members else 0
    values["low_adoption"] = bool(
        koperasi.is_digital
        and members > 0
        and since is not None
        and (today - since).days >= LOW_ADOPTION_AFTER_DAYS
        and pct < LOW_ADOPTION_PCT
    )
    figures, _created = KoperasiFigures.objects.update_or_create(koperasi=koperasi, defaults=values)
    return figures


def figures_refresh_all(*, today: dt.date | None = None) -> int:
    """Every koperasi's figures; for the nightly run and ``kopdig dashboard-refresh``."""
    n = 0
    for koperasi in Koperasi.objects.order_by("pk"):
        figures_refresh(koperasi=koperasi, today=today)
        n += 1
    return n


def figures_step(
    *, koperasi: Koperasi, day: dt.date, actor: Any, only: list[int] | None = None
) -> Any:
    """The close-of-business step (see ``core.steps``): refresh the koperasi's figures."""
    from core.steps import StepOutcome

    figures_refresh(koperasi=koperasi, today=day)
    return StepOutcome(done=1)
