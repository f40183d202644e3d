"""Counter limits and the pengurus's approval of large counter transactions (maker-checker).

Each koperasi keeps its limits as data (:class:`savings.models.CounterLimits`, set by the
pengurus; a koperasi that set none has the defaults): above the confirmation level the kasir
sees the amount in words and confirms; above the approval threshold (default Rp50.000.000) a
deposit, withdrawal or transfer becomes a :class:`CounterRequest` that posts nothing until a
pengurus other than the kasir approves it, and then posts once, through the same counter
service, with the kasir's session; above the ceiling it is refused outright. A refused request
is kept, with its reason.

A higher app extends the same queue to its own counter actions (loans: a cash disbursement, a
repayment at the loan counter) with :func:`register_action`: its request names the object it
moves in ``subject`` and the handler posts it through that app's service when approved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from core import money as m
from registry.models import Koperasi
from savings.models import (
    Account,
    CashierSession,
    CounterLimits,
    CounterRequest,
    RequestStatus,
)
from savings.services._common import SavingsError, amount_of, rupiah


class AboveCeiling(SavingsError):
    """Above the koperasi's hard ceiling: refused outright."""


class NeedsConfirmation(SavingsError):
    """Above the confirmation level and not yet confirmed: show the amount in words."""


class NeedsApproval(SavingsError):
    """Above the approval threshold: the transaction becomes a request for the pengurus."""


class NotAllowed(SavingsError):
    pass


@dataclass(frozen=True)
class Limits:
    confirm_above: Decimal
    approval_threshold: Decimal
    ceiling: Decimal


_DEFAULT = CounterLimits()
DEFAULT = Limits(_DEFAULT.confirm_above, _DEFAULT.approval_threshold, _DEFAULT.ceiling)


def limits_of(koperasi: Koperasi | int) -> Limits:
    """The koperasi's limits (one plain statement on its unique key: every counter action
    reads it), or the defaults when the pengurus set none."""
    pk = koperasi if isinstance(koperasi, int) else koperasi.pk
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT confirm_above, approval_threshold, ceiling FROM savings_counterlimits "
            "WHERE koperasi_id = %s",
            [pk],
        )
        row = cursor.fetchone()
    if row is None:
        return DEFAULT
    return Limits(*(m.from_sen(int(v)) for v in row))


def check(koperasi: Koperasi | int, amount: Decimal, *, confirmed: bool, approved: bool) -> None:
    """Refuse above the ceiling; ask for the words to be confirmed; ask for approval."""
    limits = limits_of(koperasi)
    if amount > limits.ceiling:
        raise AboveCeiling(
            _(
                "Jumlah %(amt)s di atas batas tertinggi transaksi kasir koperasi ini (%(max)s); "
                "transaksi sebesar ini tidak dapat dilakukan di kasir."
            )
            % {"amt": rupiah(amount), "max": rupiah(limits.ceiling)},
            code="above_ceiling",
        )
    if amount > limits.confirm_above and not confirmed:
        raise NeedsConfirmation(
            _("Periksa jumlahnya: %(amt)s (%(words)s). Konfirmasi untuk melanjutkan.")
            % {"amt": rupiah(amount), "words": m.terbilang(amount)},
            code="confirm",
        )
    if amount > limits.approval_threshold and not approved:
        raise NeedsApproval(
            _("Jumlah %(amt)s di atas %(limit)s: perlu persetujuan pengurus.")
            % {"amt": rupiah(amount), "limit": rupiah(limits.approval_threshold)},
            code="needs_approval",
        )


@dataclass(frozen=True)
class ActionHandler:
    """How another app posts an approved request: ``post(request, checker)`` calls its service
    (with the maker as the actor and ``checker`` as the pengurus's approval) and returns what
    it posted (with an ``entry``); ``result_of`` names that as ``app.Model:pk``."""

    post: Callable[[CounterRequest, Any], Any]
    result_of: Callable[[Any], str]
    # The page of what was posted (the receipt), for the queue's decided list.
    url_of: Callable[[CounterRequest], str] | None = None


_HANDLERS: dict[str, ActionHandler] = {}


def register_action(action: str, handler: ActionHandler) -> None:
    """Called from a higher app's ``AppConfig.ready`` (loans); registering twice is harmless."""
    _HANDLERS[action] = handler


def result_url(request: CounterRequest) -> str:
    """The receipt of what an approved request of another app posted ("" if none)."""
    handler = _HANDLERS.get(request.action)
    if handler is None or handler.url_of is None or not request.result:
        return ""
    return handler.url_of(request)


@transaction.atomic
def limits_set(
    *,
    koperasi: Koperasi,
    confirm_above: Any,
    approval_threshold: Any,
    ceiling: Any,
    actor: Any,
) -> CounterLimits:
    confirm = amount_of(confirm_above, label=_("Batas konfirmasi"))
    threshold = amount_of(approval_threshold, label=_("Batas persetujuan"))
    top = amount_of(ceiling, label=_("Batas tertinggi"))
    if threshold > top:
        raise SavingsError(
            _("Batas persetujuan tidak boleh di atas batas tertinggi."), code="limits_order"
        )
    before = limits_of(koperasi)
    limits, _created = CounterLimits.objects.select_for_update().get_or_create(koperasi=koperasi)
    limits.confirm_above, limits.approval_threshold, limits.ceiling = confirm, threshold, top
    limits.updated_by = actor
    limits.save()
    audit.record(
        actor=actor,
        action="savings.counter_limits",
        obj=limits,
        koperasi=koperasi,
        before={k: str(v) for k, v in vars(before).items()},
        after={
            "confirm_above": str(confirm),
            "approval_threshold": str(threshold),
            "ceiling": str(top),
        },
    )
    return limits


@transaction.atomic
def request_create(
    *,
    action: str,
    account: Account | None = None,
    amount: Any,
    actor: Any,
    idempotency_key: str,
    session: CashierSession | None = None,
    target: Account | None = None,
    via: str = "kas",
    memo: str = "",
    koperasi: Koperasi | None = None,
    subject: str = "",
    subject_label: str = "",
) -> CounterRequest:
    """A counter transaction above the threshold, kept for the pengurus. The same form sent
    again returns the same request. A savings action names its ``account``; another app's
    (registered with :func:`register_action`) its ``koperasi`` and ``subject``."""
    value = amount_of(amount)
    if account is not None:
        koperasi = account.koperasi
    elif koperasi is None or not subject or action not in _HANDLERS:
        raise SavingsError(_("Permintaan persetujuan tanpa rekening."), code="no_subject")
    check(koperasi.pk, value, confirmed=True, approved=True)
    found = CounterRequest.objects.filter(
        koperasi_id=koperasi.pk, idempotency_key=idempotency_key
    ).first()
    if found is not None:
        first = (found.action, found.account_id, found.subject, found.amount)
        if first != (action, getattr(account, "pk", None), subject, value):
            raise SavingsError(
                _("Formulir ini sudah dipakai untuk permintaan lain; kirim ulang formulir baru."),
                code="idempotency_conflict",
            )
        return found
    request = CounterRequest.objects.create(
        koperasi_id=koperasi.pk,
        action=action,
        account=account,
        target=target,
        subject=subject,
        subject_label=subject_label[:160],
        amount=value,
        via=via,
        memo=memo[:200],
        session=session,
        idempotency_key=idempotency_key,
        maker=actor,
    )
    audit.record(
        actor=actor,
        action="savings.request_create",
        obj=request,
        koperasi=koperasi,
        after={
            "action": action,
            "account": account.number if account is not None else subject,
            "amount": str(value),
        },
    )
    return request


def _decide(request: CounterRequest, actor: Any) -> CounterRequest:
    locked = CounterRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status != RequestStatus.PENDING:
        raise NotAllowed(
            _("Permintaan ini sudah diputuskan (%(s)s).") % {"s": locked.get_status_display()},
            code="decided",
        )
    if locked.maker_id == getattr(actor, "pk", None):
        raise NotAllowed(
            _("Permintaan Anda sendiri harus disetujui oleh pengurus lain."), code="four_eyes"
        )
    return locked


@transaction.atomic
def request_approve(*, request: CounterRequest, actor: Any) -> Any:
    """Approve and post, once (the request's own key), with the kasir's session. Returns what
    was posted: a savings :class:`Transaction`, or what a registered handler posted."""
    from savings.services import counter

    locked = _decide(request, actor)
    handler = _HANDLERS.get(locked.action)
    if handler is not None:
        posted = handler.post(locked, actor)
        locked.status = RequestStatus.APPROVED
        locked.checker = actor
        locked.decided_at = timezone.now()
        locked.result = handler.result_of(posted)
        locked.save(update_fields=["status", "checker", "decided_at", "result"])
        audit.record(
            actor=actor,
            action="savings.request_approve",
            obj=locked,
            koperasi=locked.koperasi,
            after={"result": locked.result, "amount": str(locked.amount)},
        )
        return posted
    account = Account.objects.select_related("product", "member", "koperasi").get(
        pk=int(locked.account_id or 0)
    )
    key = f"persetujuan:{locked.pk}"
    common: dict[str, Any] = {"actor": locked.maker, "idempotency_key": key, "memo": locked.memo}
    if locked.action == CounterRequest.Action.TRANSFER:
        target = Account.objects.select_related("product", "member", "koperasi").get(
            pk=int(locked.target_id or 0)
        )
        tx, _into = counter.transfer(
            source=account, target=target, amount=locked.amount, approved=True, **common
        )
    else:
        service = (
            counter.deposit if locked.action == CounterRequest.Action.DEPOSIT else counter.withdraw
        )
        tx = service(
            account=account,
            amount=locked.amount,
            session=locked.session,
            via=locked.via,
            approved=True,
            **common,
        )
    locked.status = RequestStatus.APPROVED
    locked.checker = actor
    locked.decided_at = timezone.now()
    locked.transaction = tx
    locked.save(update_fields=["status", "checker", "decided_at", "transaction"])
    audit.record(
        actor=actor,
        action="savings.request_approve",
        obj=locked,
        koperasi=account.koperasi,
        after={"transaction": tx.pk, "amount": str(locked.amount)},
    )
    return tx


@transaction.atomic
def request_refuse(*, request: CounterRequest, actor: Any, reason: str) -> CounterRequest:
    reason = " ".join((reason or "").split())[:250]
    if not reason:
        raise SavingsError(_("Tulis alasan penolakan."), code="reason")
    locked = _decide(request, actor)
    locked.status = RequestStatus.REFUSED
    locked.checker = actor
    locked.decided_at = timezone.now()
    locked.reason = reason
    locked.save(update_fields=["status", "checker", "decided_at", "reason"])
    audit.record(
        actor=actor,
        action="savings.request_refuse",
        obj=locked,
        koperasi=locked.koperasi,
        note=reason,
    )
    return locked


__all__ = [
    "DEFAULT",
    "AboveCeiling",
    "ActionHandler",
    "Limits",
    "NeedsApproval",
    "NeedsConfirmation",
    "NotAllowed",
    "check",
    "limits_of",
    "limits_set",
    "register_action",
    "request_approve",
    "request_create",
    "request_refuse",
    "result_url",
]
