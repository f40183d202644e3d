"""Reads for the Dinas and consultant pages.

The district "as of a day" is rebuilt from the registry's dated history (status changes, stage
changes, founding dates) of ~150–350 koperasi: a few small queries, whatever the books hold.
Money and member figures come from :class:`~dashboard.models.KoperasiFigures` (today) and
:class:`~dashboard.models.AdoptionMonth` (a past month's end), never from the postings.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet, Sum

from core.dates import local_today
from dashboard.models import (
    AdoptionMonth,
    Contact,
    FollowUp,
    KoperasiFigures,
    NikCertificate,
    Officer,
    RatRecord,
    ReportedFigures,
    Visit,
)
from registry.models import AnnualTarget, DigitalStageChange, Koperasi, Region, StatusChange

CERTIFICATE_WARN_DAYS = 90
DEFAULT_STUCK_DAYS = 120
STUCK_STAGES = (Koperasi.Stage.PENDATAAN, Koperasi.Stage.MIGRASI, Koperasi.Stage.DIGITAL)


@dataclass
class KoperasiAt:
    """One koperasi as it stood on a day."""

    pk: int
    code: str
    name: str
    kecamatan: str
    kecamatan_code: str
    founded_on: dt.date | None
    status: str
    stage: str
    stage_since: dt.date | None
    first_digital: dt.date | None

    @property
    def active(self) -> bool:
        return self.status in Koperasi.ACTIVE_STATUSES

    @property
    def digital(self) -> bool:
        return self.stage in Koperasi.DIGITAL_STAGES

    @property
    def stage_label(self) -> str:
        return str(Koperasi.Stage(self.stage).label)

    @property
    def status_label(self) -> str:
        return str(Koperasi.Status(self.status).label)


@dataclass
class YearRow:
    year: int
    target: int | None
    reached: int

    @property
    def pct(self) -> int | None:
        return round(100 * self.reached / self.target) if self.target else None

    @property
    def met(self) -> bool:
        return self.target is not None and self.reached >= self.target


@dataclass
class District:
    per: dt.date
    koperasi: list[KoperasiAt]
    total: int
    active: int
    active_belum_rat: int
    bubar: int
    digital: int
    in_use: int
    founded_this_year: int
    funnel: list[tuple[str, str, int]]  # (stage, label, count)
    years: list[YearRow]
    by_kecamatan: list[tuple[str, str, dict[str, int]]]  # (code, name, stage → count)
    members: int = 0
    activated: int = 0
    members_note: str = ""
    stuck: list[tuple[KoperasiAt, int]] = field(default_factory=list)

    @property
    def active_pct(self) -> int:
        return round(100 * self.active / self.total) if self.total else 0

    @property
    def digital_pct(self) -> int:
        return round(100 * self.digital / self.total) if self.total else 0

    @property
    def activated_pct(self) -> int:
        return round(100 * self.activated / self.members) if self.members else 0

    @property
    def target(self) -> YearRow | None:
        return next((y for y in self.years if y.year == self.per.year), None)


def parse_per(raw: str | None, today: dt.date | None = None) -> dt.date:
    """``?per=YYYY-MM-DD``: a day not after today; anything else means today."""
    today = today or local_today()
    if raw:
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            return today
        return min(day, today)
    return today


def koperasi_at(scope: QuerySet[Koperasi], per: dt.date) -> list[KoperasiAt]:
    """Every koperasi of ``scope`` registered by ``per``, as it was then.

    A bubar koperasi stays in the register (and in this list, with its status); the headline
    says how many of the total are bubar."""
    rows = list(
        scope.order_by("name").values_list(
            "pk",
            "code",
            "name",
            "kecamatan__name",
            "kecamatan_id",
            "founded_on",
            "created_at",
            "status",
            "digital_stage",
        )
    )
    ids = [r[0] for r in rows]
    statuses: dict[int, list[tuple[dt.date, str]]] = defaultdict(list)
    for pk, on, status in (
        StatusChange.objects.filter(koperasi_id__in=ids)
        .order_by("changed_on", "id")
        .values_list("koperasi_id", "changed_on", "status")
    ):
        statuses[pk].append((on, status))
    stages: dict[int, list[tuple[dt.date, str]]] = defaultdict(list)
    for pk, on, stage in (
        DigitalStageChange.objects.filter(koperasi_id__in=ids)
        .order_by("changed_on", "id")
        .values_list("koperasi_id", "changed_on", "to_stage")
    ):
        stages[pk].append((on, stage))

    out = []
    for pk, code, name, kec, kec_code, founded, created, status, stage in rows:
        born = founded or created.date()
        if born > per:
            continue
        status_then = _at(statuses.get(pk), per, status)
        history = stages.get(pk) or []
        stage_then, since = _at_with_date(history, per, stage)
        first_digital = next(
            (on for on, s in history if s in Koperasi.DIGITAL_STAGES and on <= per), None
        )
        out.append(
            KoperasiAt(
                pk=pk,
                code=code,
                name=name,
                kecamatan=kec,
                kecamatan_code=kec_code,
                founded_on=founded,
                status=status_then,
                stage=stage_then,
                stage_since=since,
                first_digital=first_digital,
            )
        )
    return out


def _at(history: list[tuple[dt.date, str]] | None, per: dt.date, current: str) -> str:
    value, _since = _at_with_date(history or [], per, current)
    return value


def _at_with_date(
    history: list[tuple[dt.date, str]], per: dt.date, current: str
) -> tuple[str, dt.date | None]:
    if not history:
        return current, None  # no history kept: only today's value is known
    value, since = history[0][1], history[0][0]
    for on, v in history:
        if on > per:
            break
        value, since = v, on
    return value, since


def district(
    scope: QuerySet[Koperasi], per: dt.date, *, stuck_days: int = DEFAULT_STUCK_DAYS
) -> District:
    rows = koperasi_at(scope, per)
    by_status = Counter(r.status for r in rows)
    by_stage = Counter(r.stage for r in rows)
    funnel = [(s.value, str(s.label), by_stage.get(s.value, 0)) for s in Koperasi.Stage]
    # Reached per year: koperasi whose first digital day falls in it (up to ``per``).
    reached = Counter(r.first_digital.year for r in rows if r.first_digital)
    targets = dict(AnnualTarget.objects.values_list("year", "new_digital"))
    first_year = min([*reached, *[y for y in targets if y <= per.year], per.year])
    years = [
        YearRow(year=y, target=targets.get(y), reached=reached.get(y, 0))
        for y in range(first_year, per.year + 1)
    ]
    kecamatan: dict[str, tuple[str, Counter[str]]] = {}
    for r in rows:
        kecamatan.setdefault(r.kecamatan_code, (r.kecamatan, Counter()))[1][r.stage] += 1
    stuck = [
        (r, (per - r.stage_since).days)
        for r in rows
        if r.stage in STUCK_STAGES
        and r.stage_since is not None
        and (per - r.stage_since).days > stuck_days
        and r.active
    ]
    stuck.sort(key=lambda x: -x[1])
    result = District(
        per=per,
        koperasi=rows,
        total=len(rows),
        active=sum(by_status.get(s, 0) for s in Koperasi.ACTIVE_STATUSES),
        active_belum_rat=by_status.get(Koperasi.Status.AKTIF_BELUM_RAT, 0),
        bubar=by_status.get(Koperasi.Status.BUBAR, 0),
        digital=sum(by_stage.get(s, 0) for s in Koperasi.DIGITAL_STAGES),
        in_use=by_stage.get(Koperasi.Stage.AKTIF_DIGUNAKAN, 0),
        founded_this_year=sum(1 for r in rows if r.founded_on and r.founded_on.year == per.year),
        funnel=funnel,
        years=years,
        by_kecamatan=[
            (code, name, dict(counts)) for code, (name, counts) in sorted(kecamatan.items())
        ],
        stuck=stuck,
    )
    _members(result, [r.pk for r in rows], per)
    return result


def _members(result: District, ids: list[int], per: dt.date) -> None:
    """Members and activated members: today's figures rows, or the month-end rows of the past."""
    today = local_today()
    if per >= today:
        sums = KoperasiFigures.objects.filter(koperasi_id__in=ids).aggregate(
            m=Sum("members"), a=Sum("activated")
        )
        result.members_note = ""
    else:
        sums = AdoptionMonth.objects.filter(
            koperasi_id__in=ids, month=per.replace(day=1)
        ).aggregate(m=Sum("members"), a=Sum("activated"))
        result.members_note = "month"
    result.members = int(sums["m"] or 0)
    result.activated = int(sums["a"] or 0)


@dataclass(frozen=True)
class RankRow:
    """A digital koperasi's adoption, as the district home's ranking shows it."""

    code: str
    name: str
    members: int
    activated: int
    monthly_active: int
    low_adoption: bool

    @property
    def activated_pct(self) -> int:
        return round(100 * self.activated / self.members) if self.members else 0

    @property
    def monthly_active_pct(self) -> int:
        return round(100 * self.monthly_active / self.members) if self.members else 0


def adoption_ranking(scope: QuerySet[Koperasi]) -> list[RankRow]:
    """Digital koperasi by share of members activated, lowest first (mentoring goes there).

    Read from the figures rows as plain values: one small query, no model per row."""
    rows = [
        RankRow(*values)
        for values in KoperasiFigures.objects.filter(
            koperasi__in=scope, koperasi__digital_stage__in=Koperasi.DIGITAL_STAGES
        ).values_list(
            "koperasi__code",
            "koperasi__name",
            "members",
            "activated",
            "monthly_active",
            "low_adoption",
        )
    ]
    rows.sort(key=lambda r: (r.activated_pct, r.name))
    return rows


def low_adoption(scope: QuerySet[Koperasi]) -> QuerySet[KoperasiFigures]:
    return KoperasiFigures.objects.filter(koperasi__in=scope, low_adoption=True).select_related(
        "koperasi"
    )


def figures_of(koperasi: Koperasi) -> KoperasiFigures | None:
    return KoperasiFigures.objects.filter(koperasi=koperasi).first()


def trend(koperasi: Koperasi) -> list[AdoptionMonth]:
    return list(AdoptionMonth.objects.filter(koperasi=koperasi).order_by("month"))[-12:]


@dataclass(frozen=True)
class Health:
    npl_pct: Decimal | None
    npl_band: str
    ldr_pct: Decimal | None
    ldr_band: str


def npl_band(pct: Decimal | None) -> str:
    if pct is None:
        return ""
    if pct <= 5:
        return "sehat"
    if pct <= 10:
        return "cukup_sehat"
    if pct <= 15:
        return "kurang_sehat"
    return "tidak_sehat"


def ldr_band(pct: Decimal | None) -> str:
    if pct is None:
        return ""
    if pct <= 75:
        return "sehat"
    if pct <= 85:
        return "cukup_sehat"
    if pct <= 95:
        return "kurang_sehat"
    return "tidak_sehat"


def health(figures: KoperasiFigures | None) -> Health:
    if figures is None:
        return Health(None, "", None, "")
    npl = figures.npl.quantize(Decimal("0.1")) if figures.npl is not None else None
    ldr = None
    if figures.productive_assets:
        ldr = (100 * figures.loans_outstanding / figures.productive_assets).quantize(Decimal("0.1"))
    return Health(npl, npl_band(npl), ldr, ldr_band(ldr))


@dataclass
class RegistryDetails:
    officers: list[Officer]
    contacts: list[Contact]
    rats: list[RatRecord]
    certificate: NikCertificate | None
    certificate_expiring: bool
    certificate_expired: bool
    reported: list[ReportedFigures]


def registry_details(koperasi: Koperasi, today: dt.date | None = None) -> RegistryDetails:
    today = today or local_today(koperasi.timezone)
    certificate = koperasi.nik_certificates.order_by("-issued_on").first()
    expired = certificate is not None and certificate.valid_until < today
    expiring = (
        certificate is not None
        and not expired
        and (certificate.valid_until - today).days <= CERTIFICATE_WARN_DAYS
    )
    return RegistryDetails(
        officers=list(koperasi.officers.all()),
        contacts=list(koperasi.contacts.all()),
        rats=list(koperasi.rat_records.all()),
        certificate=certificate,
        certificate_expiring=expiring,
        certificate_expired=expired,
        reported=list(koperasi.reported_figures.all()),
    )


def visits_of(koperasi: Koperasi) -> QuerySet[Visit]:
    return (
        Visit.objects.filter(koperasi=koperasi)
        .select_related("consultant")
        .prefetch_related("follow_ups")
        .defer("photo")
    )


def follow_ups_due(koperasi_ids: set[int], until: dt.date) -> QuerySet[FollowUp]:
    """Open follow-ups of these koperasi due on or before ``until``, soonest first."""
    return (
        FollowUp.objects.filter(
            koperasi_id__in=koperasi_ids, done_on__isnull=True, due_on__lte=until
        )
        .select_related("koperasi", "visit")
        .order_by("due_on", "id")
    )


def consultant_rows(koperasi_ids: set[int]) -> list[tuple[Koperasi, KoperasiFigures | None]]:
    koperasi = Koperasi.objects.filter(pk__in=koperasi_ids).select_related("figures", "kecamatan")
    out = []
    for k in koperasi.order_by("name"):
        out.append((k, getattr(k, "figures", None)))
    return out


def kecamatan_list() -> list[Region]:
    return list(Region.objects.filter(level=Region.Level.KECAMATAN).order_by("code"))
