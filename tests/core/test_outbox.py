"""The outbox: written in the caller's transaction, never the same message twice, delivered at
least once through the HTTP gateway backend with retries and a cap (a fake gateway on
127.0.0.1: tests/notify/gateway.py)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from core import outbox
from core.models import OutboxMessage
from core.notify.backends import ConsoleBackend, HttpBackend
from registry.models import Koperasi
from tests.factories import MemberFactory
from tests.notify.gateway import fake_gateway

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# An hour from now: a message enqueued for then is not due before it (enqueue never dates a
# message in the past).
NOW = timezone.now().replace(microsecond=0) + dt.timedelta(hours=1)


def _message(koperasi: Koperasi, key: str = "uji:1", **kw: Any) -> int | None:
    values: dict[str, Any] = {
        "koperasi": koperasi,
        "to": "+6281234567890",
        "channel": "sms",
        "kind": "receipt",
        "template": "savings.deposit",
        "context": {
            "k": "KSP Sinar Bajo",
            "amount": "Rp1.500.000",
            "acct": "*0042",
            "date": "22/03/2025",
            "code": "3fa9c0d2b1e4",
        },
        "dedupe_key": key,
        "not_before": NOW,
        **kw,
    }
    return outbox.enqueue(**values)


@pytest.fixture
def http(settings: Any) -> Any:
    def use(url: str, **extra: Any) -> None:
        settings.KOPDIG_NOTIFY = {
            "BACKEND": "http",
            "URL": url,
            "TOKEN": "rahasia-gateway",
            "TIMEOUT": 0.3,
            "MAX_ATTEMPTS": 8,
            **extra,
        }

    return use


def test_same_dedupe_key_is_one_message(koperasi: Koperasi) -> None:
    first = _message(koperasi)
    again = _message(koperasi)
    assert first is not None and again is None
    assert OutboxMessage.objects.count() == 1
    # The key is per koperasi: another koperasi's message with the same key is its own.
    other = MemberFactory.create().koperasi
    assert _message(other) is not None


def test_a_rolled_back_transaction_leaves_no_message(koperasi: Koperasi) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        _message(koperasi)
        raise RuntimeError("the deposit failed")
    assert not OutboxMessage.objects.exists()


def test_bad_number_or_template_is_refused(koperasi: Koperasi) -> None:
    with pytest.raises(outbox.OutboxError):
        _message(koperasi, to="081234567890")
    with pytest.raises(outbox.OutboxError):
        _message(koperasi, template="tidak.ada")


def test_http_backend_posts_json_with_token_and_idempotency_key(
    koperasi: Koperasi, http: Any
) -> None:
    pk = _message(koperasi)
    with fake_gateway() as gw:
        http(gw.url)
        report = outbox.deliver_due(now=NOW)
    assert (report.sent, report.retrying, report.failed) == (1, 0, 0)
    (request,) = gw.requests
    assert request["headers"]["Authorization"] == "Bearer rahasia-gateway"
    assert request["headers"]["Idempotency-Key"] == f"kopdig-sinar-bajo-{pk}"
    body = request["body"]
    assert body["to"] == "+6281234567890" and body["channel"] == "sms"
    assert body["text"] == (
        "KSP Sinar Bajo: Setoran Rp1.500.000 ke rek. *0042 tgl 22/03/2025 sudah diterima. "
        "Kode cek struk: 3fa9c0d2b1e4"
    )
    row = OutboxMessage.objects.get()
    assert (row.status, row.attempts, row.provider_ref) == ("sent", 1, "gw-1")
    assert row.sent_at is not None


def test_gateway_failing_then_recovering_delivers_once(koperasi: Koperasi, http: Any) -> None:
    _message(koperasi)
    with fake_gateway(500, "hang", 503) as gw:
        http(gw.url)
        first = outbox.deliver_due(now=NOW)
        row = OutboxMessage.objects.get()
        assert (first.retrying, row.status, row.attempts) == (1, "pending", 1)
        assert row.last_error.startswith("HTTP 500")
        assert row.next_attempt_at == NOW + dt.timedelta(minutes=1)
        # Not due yet: nothing is tried.
        assert outbox.deliver_due(now=NOW + dt.timedelta(seconds=59)).tried == 0
        # The gateway hangs: our timeout fires, the wait doubles.
        second = outbox.deliver_due(now=NOW + dt.timedelta(minutes=1))
        row.refresh_from_db()
        assert (second.retrying, row.attempts) == (1, 2)
        assert "batas waktu" in row.last_error
        assert row.next_attempt_at == NOW + dt.timedelta(minutes=3)
        third = outbox.deliver_due(now=NOW + dt.timedelta(minutes=3))
        assert third.retrying == 1
        # It recovers.
        fourth = outbox.deliver_due(now=NOW + dt.timedelta(minutes=7))
        assert fourth.sent == 1
        assert outbox.deliver_due(now=NOW + dt.timedelta(hours=9)).tried == 0
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("sent", 4, "")
    # Four tries, each with the same key; the member's phone shows the message once.
    assert len(gw.requests) == 4
    assert len({r["headers"]["Idempotency-Key"] for r in gw.requests}) == 1
    assert len(gw.phone) == 1


def test_after_the_cap_the_failure_is_kept(koperasi: Koperasi, http: Any) -> None:
    _message(koperasi)
    with fake_gateway(500, 500, 500, 500) as gw:
        http(gw.url, MAX_ATTEMPTS=3)
        at = NOW
        for _ in range(3):
            outbox.deliver_due(now=at)
            at += dt.timedelta(hours=7)
        assert outbox.deliver_due(now=at).tried == 0
    row = OutboxMessage.objects.get()
    assert (row.status, row.attempts) == ("failed", 3)
    assert row.last_error.startswith("HTTP 500")
    assert len(gw.requests) == 3


def test_a_refusal_is_not_retried(koperasi: Koperasi, http: Any) -> None:
    _message(koperasi)
    with fake_gateway(400) as gw:
        http(gw.url)
        report = outbox.deliver_due(now=NOW)
    assert report.failed == 1
    assert OutboxMessage.objects.get().status == "failed"
    assert len(gw.requests) == 1


def test_an_unreachable_gateway_is_retried(koperasi: Koperasi, http: Any) -> None:
    _message(koperasi)
    with fake_gateway() as gw:
        url = gw.url
    http(url)  # the server is gone: connection refused
    assert outbox.deliver_due(now=NOW).retrying == 1
    assert "tidak terjangkau" in OutboxMessage.objects.get().last_error


def test_backoff_doubles_up_to_six_hours() -> None:
    waits = [outbox.backoff(n) for n in (1, 2, 3, 4, 20)]
    assert waits[:4] == [dt.timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert waits[4] == dt.timedelta(hours=6)


def test_a_claimed_message_is_not_sent_twice_until_the_claim_lapses(
    koperasi: Koperasi, http: Any
) -> None:
    _message(koperasi)
    # Another worker claimed it and is sending.
    OutboxMessage.objects.update(
        status="sending", attempts=1, next_attempt_at=NOW + dt.timedelta(minutes=5)
    )
    with fake_gateway() as gw:
        http(gw.url)
        assert outbox.deliver_due(now=NOW).tried == 0
        # That worker died: after the claim lapses the message is sent (at least once).
        assert outbox.deliver_due(now=NOW + dt.timedelta(minutes=5)).sent == 1
    assert len(gw.requests) == 1


def test_console_backend_prints(koperasi: Koperasi) -> None:
    _message(koperasi)
    out = io.StringIO()
    assert outbox.deliver_due(backend=ConsoleBackend(out), now=NOW).sent == 1
    assert "[kopdig sms → +6281234567890] KSP Sinar Bajo: Setoran Rp1.500.000" in out.getvalue()


def test_http_backend_needs_a_url() -> None:
    from core.notify.backends import DeliveryError

    with pytest.raises(DeliveryError):
        HttpBackend("")


def test_command_sends_and_reports_failures(koperasi: Koperasi, http: Any) -> None:
    _message(koperasi, not_before=timezone.now() - dt.timedelta(minutes=1))
    _message(koperasi, key="uji:2", not_before=timezone.now() - dt.timedelta(minutes=1))
    with fake_gateway(500) as gw:
        http(gw.url)
        out, err = io.StringIO(), io.StringIO()
        with pytest.raises(CommandError) as failed:
            call_command("outbox", "send", stdout=out, stderr=err)
        assert failed.value.returncode == 3
        assert "Terkirim 1, dicoba lagi nanti 1, gagal 0." in out.getvalue()
        assert "HTTP 500" in err.getvalue()
    status = io.StringIO()
    call_command("outbox", "status", stdout=status)
    assert "Menunggu: 1" in status.getvalue() and "Terkirim: 1" in status.getvalue()


def test_the_worker_delivers_after_commit(
    koperasi: Koperasi, settings: Any, django_capture_on_commit_callbacks: Any, capsys: Any
) -> None:
    settings.TASKS = IMMEDIATE
    outbox._handed.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _message(koperasi, not_before=timezone.now())
    assert OutboxMessage.objects.get().status == "sent"
    assert "[kopdig sms → +6281234567890]" in capsys.readouterr().out
