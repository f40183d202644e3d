"""The tenant-isolation walker: every URL of the project, tried with another koperasi's ids.

It finds URL patterns by itself. A pattern whose keyword arguments it cannot fill makes the
walk fail with the name of the argument: a later issue that adds ``/k/<kode>/akun/<account_id>/``
adds one line to ``OBJECT_MAKERS`` below saying how to make an *account of a given koperasi*,
and the walker does the rest.

Rules, for a person who works in koperasi A (every staff role there, and its konsultan):
- a URL that carries koperasi B's code or the id of one of B's objects answers 403, 404 or
  405, never data and never a redirect to a success page;
- a URL with no foreign id may answer 200, but must not show B's name.
Each URL is tried with GET and with an empty POST.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from registry.models import Koperasi

# kwarg name → function(koperasi) returning a value for that kwarg owned by that koperasi.
OBJECT_MAKERS: dict[str, Callable[[Koperasi], Any]] = {
    "kode": lambda k: k.code,
    "member_id": lambda k: _member_of(k),
    "entry_id": lambda k: _entry_of(k),
    "account_id": lambda k: _account_of(k),
    "product_id": lambda k: _savings_product_of(k),
    "savings_account_id": lambda k: _savings_account_of(k),
    "transaction_id": lambda k: _savings_transaction_of(k),
    "batch_id": lambda k: _payroll_batch_of(k),
    "loan_product_id": lambda k: _loan_product_of(k),
    "session_id": lambda k: _cashier_session_of(k),
    "request_id": lambda k: _counter_request_of(k),
    "void_id": lambda k: _void_request_of(k),
    "loan_id": lambda k: _loan_of(k),
    "loan_tx_id": lambda k: _loan_tx_of(k),
    "loan_void_id": lambda k: _loan_void_of(k),
    "close_job_id": lambda k: _close_job_of(k),
    "close_run_id": lambda k: _close_run_of(k),
    "user_id": lambda k: _staff_user_of(k),
    "loan_restructure_id": lambda k: _loan_restructure_of(k),
    "loan_writeoff_id": lambda k: _loan_writeoff_of(k),
    "loan_payroll_id": lambda k: _loan_payroll_of(k),
    "visit_id": lambda k: _visit_of(k),
    "follow_up_id": lambda k: _follow_up_of(k),
    "migration_upload_id": lambda k: _migration_upload_of(k),
    "migration_batch_id": lambda k: _migration_batch_of(k),
    "receipt_code": lambda k: _receipt_code_of(k),
    "mapping_id": lambda k: _saved_mapping_of(k),
    "phone_change_id": lambda k: _phone_change_of(k),
}

# Public pages of a koperasi (no sign-in; anyone may open any koperasi's): another koperasi's
# code in the URL is no leak, but another koperasi's objects under ours still must be refused.
PUBLIC_NAMES = {"notify:check", "notify:check_code"}


def _receipt_code_of(koperasi: Koperasi) -> str:
    """The verification code printed on a receipt of ``koperasi`` (a deposit's)."""
    from savings.models import Transaction

    tx = Transaction.objects.select_related("entry").get(pk=_savings_transaction_of(koperasi))
    return str(tx.entry.short_hash)


def _saved_mapping_of(koperasi: Koperasi) -> int:
    from migration.models import SavedMapping

    found, _created = SavedMapping.objects.get_or_create(
        koperasi=koperasi, name="uji", defaults={"kinds": {}, "mappings": {}}
    )
    return int(found.pk)


def _migration_upload_of(koperasi: Koperasi) -> int:
    from migration.models import MigrationUpload

    found = MigrationUpload.objects.filter(koperasi=koperasi).order_by("pk").first()
    if found is None:
        found = MigrationUpload.objects.create(
            koperasi=koperasi,
            filename="uji.xlsx",
            sha256="0" * 64,
            size=1,
            content=b"x",
            state=MigrationUpload.State.PLANNED,
            report=b"PK",
            sheets=[{"name": "Anggota", "kind": "members", "header_row": 1,
                     "labels": ["No. Anggota", "Nama"], "columns": {}}],
        )  # fmt: skip
    return int(found.pk)


def _migration_batch_of(koperasi: Koperasi) -> int:
    from migration.models import BatchStatus, MigrationBatch

    found = MigrationBatch.objects.filter(koperasi=koperasi).order_by("pk").first()
    if found is None:
        found = MigrationBatch.objects.create(
            # Named for its koperasi: shown on another koperasi's page, the walk would see it.
            koperasi=koperasi, filename=f"{koperasi.name}.xlsx", sha256="0" * 64,
            status=BatchStatus.COMMITTED,
        )  # fmt: skip
    return int(found.pk)


def _phone_change_of(koperasi: Koperasi) -> int:
    """A member's request (from the members' app) to sign in with another phone number."""
    from portal.models import PhoneChange
    from tests.factories import MemberFactory

    found = PhoneChange.objects.filter(koperasi=koperasi, status="menunggu").first()
    if found is None:
        member = MemberFactory.create(koperasi=koperasi, phone="+6281200000001")
        found = PhoneChange.objects.create(
            koperasi=koperasi, member=member, old_phone=member.phone, new_phone="+6281200000002"
        )
    return int(found.pk)


def _loan_restructure_of(koperasi: Koperasi) -> int:
    from loans.models import Loan, LoanRestructure

    loan = Loan.objects.get(pk=_loan_of(koperasi))
    found = LoanRestructure.objects.filter(loan=loan).order_by("pk").first()
    if found is None:
        found = LoanRestructure.objects.create(
            koperasi=koperasi,
            loan=loan,
            tenor=6,
            rate_bp=loan.rate_bp,
            method=loan.method,
            reason="uji",
            requested_on=loan.applied_on,
            requested_by=loan.applied_by,
        )
    return int(found.pk)


def _loan_writeoff_of(koperasi: Koperasi) -> int:
    from loans.models import Loan, LoanWriteOff

    loan = Loan.objects.get(pk=_loan_of(koperasi))
    found = LoanWriteOff.objects.filter(loan=loan).order_by("pk").first()
    if found is None:
        found = LoanWriteOff.objects.create(
            koperasi=koperasi,
            loan=loan,
            reason="uji",
            requested_on=loan.applied_on,
            requested_by=loan.applied_by,
        )
    return int(found.pk)


def _loan_payroll_of(koperasi: Koperasi) -> int:
    from core.dates import business_date
    from loans.models import LoanPayrollBatch

    found = LoanPayrollBatch.objects.filter(koperasi=koperasi).order_by("pk").first()
    if found is None:
        found = LoanPayrollBatch.objects.create(
            koperasi=koperasi,
            filename="uji.csv",
            value_date=business_date(koperasi),
            error_count=1,
            errors=[{"row": 2, "message": "uji"}],
            error_report=b"",
        )
    return int(found.pk)


def _loan_of(koperasi: Koperasi) -> int:
    from loans.models import Loan
    from tests.factories import disbursed_loan

    found = Loan.objects.filter(koperasi=koperasi, status="aktif").order_by("pk").first()
    return int((found or disbursed_loan(koperasi, on=koperasi.business_date)).pk)


def _loan_tx_of(koperasi: Koperasi) -> int:
    from loans.models import LoanTransaction

    loan_id = _loan_of(koperasi)
    return int(LoanTransaction.objects.filter(loan_id=loan_id).order_by("pk").first().pk)  # type: ignore[union-attr]


def _loan_void_of(koperasi: Koperasi) -> int:
    from loans.models import LoanTransaction, LoanVoidRequest

    tx = LoanTransaction.objects.get(pk=_loan_tx_of(koperasi))
    found = LoanVoidRequest.objects.filter(transaction=tx).exclude(status="ditolak").first()
    if found is None:
        found = LoanVoidRequest.objects.create(
            koperasi=koperasi,
            loan=tx.loan,
            transaction=tx,
            reason="uji",
            requested_by=tx.loan.applied_by,
        )
    return int(found.pk)


def _close_job_of(koperasi: Koperasi) -> int:
    from closing.models import CloseJob

    job = CloseJob.objects.create(koperasi=koperasi, to_date="2025-01-15", status="selesai")
    return int(job.pk)


def _close_run_of(koperasi: Koperasi) -> int:
    """A closed day with a failed account, so its rerun has something to do at home."""
    from closing.models import CloseFailure, CloseRun, CloseStepRun

    run, _created = CloseRun.objects.get_or_create(
        koperasi=koperasi,
        day="2025-01-15",
        defaults={"status": "gagal_sebagian", "steps_total": 1, "steps_done": 1},
    )
    step, _created = CloseStepRun.objects.get_or_create(
        run=run,
        step="jatuh_tempo_berjangka",
        defaults={"position": 6, "label": "Jatuh tempo", "status": "gagal_sebagian"},
    )
    CloseFailure.objects.get_or_create(
        koperasi=koperasi, step_run=step, object_id=1, defaults={"message": "uji"}
    )
    return int(run.pk)


def _staff_user_of(koperasi: Koperasi) -> int:
    """A kasir of ``koperasi`` only (its pengurus may manage that account; nobody else)."""
    from registry.models import Role, RoleGrant
    from tests.factories import UserFactory

    user: Any = UserFactory(username=f"kasir.akun.{koperasi.code}")
    RoleGrant.objects.get_or_create(user=user, role=Role.KASIR, koperasi=koperasi)
    return int(user.pk)


def _visit_of(koperasi: Koperasi) -> int:
    """A visit with a photo (so that its photo answers 200 at home), and a follow-up."""
    import datetime as dt

    from dashboard.models import FollowUp, Visit
    from tests.factories import UserFactory

    found = Visit.objects.filter(koperasi=koperasi).order_by("pk").first()
    if found is not None:
        return int(found.pk)
    mentor: Any = UserFactory(username=f"mentor-{uuid.uuid4().hex[:8]}")
    visit = Visit.objects.create(
        koperasi=koperasi,
        consultant=mentor,
        on=dt.date(2025, 1, 15),
        kind=Visit.Kind.KUNJUNGAN,
        topics="uji",
        photo=b"\x89PNG\r\n\x1a\n",
        photo_type="image/png",
    )
    FollowUp.objects.create(
        koperasi=koperasi, visit=visit, description="uji", due_on=dt.date(2025, 2, 1)
    )
    return int(visit.pk)


def _follow_up_of(koperasi: Koperasi) -> int:
    from dashboard.models import FollowUp, Visit

    visit = Visit.objects.get(pk=_visit_of(koperasi))
    return int(FollowUp.objects.filter(visit=visit).first().pk)  # type: ignore[union-attr]


def _loan_product_of(koperasi: Koperasi) -> int:
    from tests.factories import loan_product

    return int(loan_product(koperasi).pk)


def _counter_request_of(koperasi: Koperasi) -> int:
    from decimal import Decimal

    from savings.models import CounterRequest
    from tests.factories import savings_account

    found = CounterRequest.objects.filter(koperasi=koperasi).order_by("pk").first()
    if found is not None:
        return int(found.pk)
    account = savings_account(koperasi)
    request = CounterRequest.objects.create(
        koperasi=koperasi,
        action=CounterRequest.Action.DEPOSIT,
        account=account,
        amount=Decimal("60000000"),
        idempotency_key=f"isolation-{koperasi.code}",
        maker=_cashier_session_kasir(koperasi),
    )
    return int(request.pk)


def _void_request_of(koperasi: Koperasi) -> int:
    from registry.models import Role
    from savings.models import Transaction, VoidRequest
    from tests.factories import staff_user

    tx = Transaction.objects.get(pk=_savings_transaction_of(koperasi))
    asker = staff_user(f"peminta-{uuid.uuid4().hex[:8]}", Role.KASIR, koperasi)
    request = VoidRequest.objects.create(
        koperasi=koperasi,
        entry=tx.entry,
        transaction=tx,
        amount=tx.amount,
        reason="uji",
        requested_by=asker,
    )
    return int(request.pk)


def _cashier_session_kasir(koperasi: Koperasi) -> Any:
    from savings.models import CashierSession

    return CashierSession.objects.get(pk=_cashier_session_of(koperasi)).kasir


def _cashier_session_of(koperasi: Koperasi) -> int:
    from registry.models import Role
    from savings.models import CashierSession
    from tests.factories import staff_user

    found = CashierSession.objects.filter(koperasi=koperasi).order_by("pk").first()
    if found is not None:
        return int(found.pk)
    kasir = staff_user(f"kasir.sesi.{koperasi.code}", Role.KASIR, koperasi)
    session = CashierSession.objects.create(
        koperasi=koperasi, kasir=kasir, business_date="2025-01-15", opening_count=0
    )
    return int(session.pk)


def _savings_product_of(koperasi: Koperasi) -> int:
    from tests.factories import savings_products

    return int(savings_products(koperasi).sukarela.pk)


def _savings_account_of(koperasi: Koperasi) -> int:
    from tests.factories import savings_account

    return int(savings_account(koperasi).pk)


def _savings_transaction_of(koperasi: Koperasi) -> int:
    from decimal import Decimal

    from savings.services import deposit
    from tests.factories import savings_account

    return int(deposit(account=savings_account(koperasi), amount=Decimal("1000"), actor=None).pk)


def _payroll_batch_of(koperasi: Koperasi) -> int:
    from core.spreadsheet import ErrorLog
    from savings.models import PayrollBatch

    # With an error report, so that its download answers 200 at home and 404 only abroad.
    log = ErrorLog()
    log.add({"sheet": "CSV", "row": 2, "code": "uji", "message": "uji", "text": koperasi.name})
    batch = PayrollBatch.objects.create(
        koperasi=koperasi,
        filename="uji.csv",
        value_date=koperasi.founded_on or "2025-01-01",
        errors=log.kept,
        error_count=log.count,
        error_report=log.report(),
    )
    return int(batch.pk)


def _member_of(koperasi: Koperasi) -> int:
    from tests.factories import MemberFactory

    return int(MemberFactory.create(koperasi=koperasi).pk)


def _account_of(koperasi: Koperasi) -> int:
    from ledger.selectors import account_for_role
    from ledger.services import chart_setup

    chart_setup(koperasi=koperasi, actor=None)
    return int(account_for_role(koperasi=koperasi, role="kas").pk)


def _entry_of(koperasi: Koperasi) -> int:
    from decimal import Decimal

    from ledger.selectors import account_for_role
    from ledger.services import Line, chart_setup, post

    chart_setup(koperasi=koperasi, actor=None)
    kas = account_for_role(koperasi=koperasi, role="kas")
    sukarela = account_for_role(koperasi=koperasi, role="simpanan_sukarela")
    lines = [Line(kas, debit=Decimal("1000")), Line(sukarela, credit=Decimal("1000"))]
    return int(post(koperasi=koperasi, lines=lines, kind="uji", memo="", actor=None).pk)


# Namespaces or names outside tenancy: Django's admin (support staff only, is_staff),
# language switching, login/logout.
SKIP_NAMESPACES = {"admin"}
SKIP_NAMES = {"set_language", "login", "logout"}
REFUSED = {403, 404, 405}


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    kwargs: tuple[str, ...]


def _pattern_kwargs(pattern: Any) -> list[str]:
    converters = getattr(pattern.pattern, "converters", None)
    if converters is not None:
        return list(converters)
    return list(pattern.pattern.regex.groupindex)


def iter_routes(urlconf: Any = None) -> Iterator[Route]:
    def walk(patterns: list[Any], namespace: str, kwargs: list[str]) -> Iterator[Route]:
        for p in patterns:
            here = kwargs + _pattern_kwargs(p)
            if isinstance(p, URLResolver):
                ns = namespace
                if p.namespace:
                    ns = f"{namespace}{p.namespace}:"
                yield from walk(p.url_patterns, ns, here)
            elif isinstance(p, URLPattern):
                yield Route(f"{namespace}{p.name or ''}", tuple(here))

    yield from walk(get_resolver(urlconf).url_patterns, "", [])


def api_headers(client: Client, own: Koperasi) -> dict[str, str]:
    """The JSON API (``api:`` routes) answers bearer tokens, not the session: the signed-in
    person gets a staff token for ``own`` (none when they hold no role there)."""
    from django.contrib.auth import get_user_model

    from api.services import token_create
    from registry.access import KOPERASI_READERS, roles_in

    user_id = client.session.get("_auth_user_id")
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    if user is None or not roles_in(user, own) & set(KOPERASI_READERS):
        return {}
    raw, _token = token_create(koperasi=own, user=user, device="isolation")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def walk(
    client: Client,
    *,
    own: Koperasi,
    other: Koperasi,
    urlconf: Any = None,
    headers: dict[str, str] | None = None,
) -> list[str]:
    """Return a line per leak or unfillable route; an empty list means isolation holds.

    ``headers`` go with every request to the JSON API (default: :func:`api_headers`)."""
    problems: list[str] = []
    if headers is None:
        headers = api_headers(client, own)
    for route in iter_routes(urlconf):
        namespace, _, name = route.name.rpartition(":")
        if namespace.split(":")[0] in SKIP_NAMESPACES or name in SKIP_NAMES:
            continue
        if route.name.startswith(MEMBER_API):
            continue  # a member's token only: walked by walk_member
        if not name:
            problems.append(f"an unnamed URL pattern with kwargs {route.kwargs}: name it")
            continue
        missing = [kw for kw in route.kwargs if kw not in OBJECT_MAKERS]
        if missing:
            problems.append(
                f"{route.name}: no OBJECT_MAKERS entry for {missing} (tests/isolation.py)"
            )
            continue
        for kwargs, foreign in _variants(route, own, other):
            url = reverse(route.name, kwargs=kwargs, urlconf=urlconf)
            extra = headers if namespace.split(":")[0] == "api" else {}
            for method in ("get", "post"):
                response = getattr(client, method)(url, **extra)
                body = (
                    response.content.decode(errors="replace")
                    if hasattr(response, "content")
                    else ""
                )
                if foreign and response.status_code not in REFUSED:
                    problems.append(
                        f"{method.upper()} {url} ({route.name}) answered "
                        f"{response.status_code} for another koperasi's ids"
                    )
                elif not foreign and other.name in body:
                    problems.append(f"{method.upper()} {url} ({route.name}) shows {other.name!r}")
    return problems


# The member's own API (api/routers/member.py): a member token, the member's records only.
MEMBER_API = "api:member_"
# Ids a member may read whatever member made them: the koperasi's own loan products.
MEMBER_SHARED = {"loan_product_id"}


def walk_member(
    client: Client, *, member: Any, headers: dict[str, str], other: Koperasi
) -> list[str]:
    """Every route of the member's API, tried with ids made by ``OBJECT_MAKERS`` for ``other``
    (another koperasi, or the member's own, where the makers' objects belong to other members):
    each must answer 403, 404 or 405. The caller makes sure ``member`` owns none of them."""
    problems: list[str] = []
    routes = [r for r in iter_routes() if r.name.startswith(MEMBER_API)]
    if not routes:
        return ["no member API routes found"]
    same_koperasi = other.pk == member.koperasi_id
    for route in routes:
        if not route.kwargs:
            continue
        if same_koperasi and set(route.kwargs) <= MEMBER_SHARED:
            continue  # the koperasi's products: every member's to read
        missing = [kw for kw in route.kwargs if kw not in OBJECT_MAKERS]
        if missing:
            problems.append(f"{route.name}: no OBJECT_MAKERS entry for {missing}")
            continue
        kwargs = {kw: OBJECT_MAKERS[kw](other) for kw in route.kwargs}
        url = reverse(route.name, kwargs=kwargs)
        for method in ("get", "post"):
            response = getattr(client, method)(url, **headers)
            if response.status_code not in REFUSED:
                problems.append(
                    f"{method.upper()} {url} ({route.name}) answered {response.status_code} "
                    "for another member's ids"
                )
    return problems


def _variants(route: Route, own: Koperasi, other: Koperasi) -> Iterator[tuple[dict, bool]]:
    if not route.kwargs:
        yield {}, False
        return
    objects = [kw for kw in route.kwargs if kw != "kode"]
    if objects:
        # Our koperasi in the URL, the other koperasi's objects in it.
        kwargs = {kw: OBJECT_MAKERS[kw](other) for kw in objects}
        if "kode" in route.kwargs:
            kwargs["kode"] = own.code
        yield kwargs, True
    if "kode" in route.kwargs and route.name not in PUBLIC_NAMES:
        # The other koperasi's code, with its own objects.
        yield {kw: OBJECT_MAKERS[kw](other) for kw in route.kwargs}, True
