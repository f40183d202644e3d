"""Reminders written by the close of business: 3 days before and on the due day, overdue
notices, unpaid wajib; closing the same day twice sends nothing new; a day closed late sends
nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from core.models import OutboxMessage
from core.notify.messages import render
from notify import reminders
from registry.models import Koperasi
from savings.models import Obligation
from tests.factories import MemberFactory, disbursed_loan, savings_account

D = dt.date


@pytest.fixture
def books(koperasi: Koperasi) -> Koperasi:
    koperasi.business_date = D(2025, 1, 10)
    koperasi.save(update_fields=["business_date"])
    return koperasi


@pytest.fixture
def rina(books: Koperasi) -> Any:
    return MemberFactory.create(koperasi=books, full_name="Rina", phone="+6281234567890")


@pytest.fixture
def loan(books: Koperasi, rina: Any) -> Any:
    """Rp6.000.000 over 6 months, flat 1%: Rp1.060.000 due on the 10th, from 10 February."""
    return disbursed_loan(books, member=rina, principal=6_000_000, tenor=6, on=D(2025, 1, 10))


@pytest.fixture
def today(monkeypatch: Any) -> Any:
    def set_today(day: dt.date) -> None:
        monkeypatch.setattr(reminders, "local_today", lambda tz: day)

    return set_today


def close(koperasi: Koperasi, day: dt.date) -> Any:
    return reminders.send_reminders(koperasi=koperasi, day=day, actor=None)


def texts() -> list[str]:
    return [render(m.template, m.context) for m in OutboxMessage.objects.order_by("pk")]


def test_three_days_before_then_on_the_day_then_overdue(
    books: Koperasi, loan: Any, today: Any
) -> None:
    OutboxMessage.objects.all().delete()  # the approval's message
    tail = loan.number[-4:]
    today(D(2025, 2, 6))
    assert close(books, D(2025, 2, 6)).done == 1
    assert texts() == [
        f"KSP Sinar Bajo: Angsuran ke-1 pinjaman *{tail} sebesar Rp1.060.000 jatuh tempo "
        "10/02/2025 (3 hari lagi)."
    ]
    # Delivered from 07:00 WITA the next morning (23:00 UTC the evening before).
    row = OutboxMessage.objects.get()
    assert reminders.send_at(books, D(2025, 2, 7)) == dt.datetime(2025, 2, 6, 23, tzinfo=dt.UTC)
    assert row.kind == "reminder"
    # The same day closed again: nothing new.
    close(books, D(2025, 2, 6))
    assert OutboxMessage.objects.count() == 1
    today(D(2025, 2, 9))
    close(books, D(2025, 2, 9))
    assert texts()[-1] == (
        f"KSP Sinar Bajo: Angsuran ke-1 pinjaman *{tail} sebesar Rp1.060.000 jatuh tempo "
        "hari ini, 10/02/2025."
    )
    today(D(2025, 2, 10))
    close(books, D(2025, 2, 10))
    assert texts()[-1] == (
        f"KSP Sinar Bajo: Angsuran pinjaman *{tail} sebesar Rp1.060.000 terlambat 1 hari "
        "(jatuh tempo 10/02/2025). Mohon segera dibayar."
    )
    # Days with nothing due or newly late send nothing.
    today(D(2025, 2, 11))
    assert close(books, D(2025, 2, 11)).done == 0
    assert OutboxMessage.objects.count() == 3


def test_a_paid_instalment_is_not_reminded(books: Koperasi, loan: Any, today: Any) -> None:
    from loans import services as loans
    from tests.factories import loan_staff

    maker, _ = loan_staff(books)
    books.business_date = D(2025, 2, 5)
    books.save(update_fields=["business_date"])
    loans.loan_repay(
        loan=loan,
        amount=Decimal("1060000"),
        via="sukarela",
        actor=maker,
        idempotency_key="bayar-1",
        on=D(2025, 2, 5),
    )
    OutboxMessage.objects.all().delete()
    today(D(2025, 2, 9))
    close(books, D(2025, 2, 9))
    assert not OutboxMessage.objects.exists()


def test_a_day_closed_late_sends_nothing(books: Koperasi, loan: Any, today: Any) -> None:
    OutboxMessage.objects.all().delete()
    today(D(2025, 3, 1))
    assert close(books, D(2025, 2, 9)).done == 0
    assert not OutboxMessage.objects.exists()


def test_opted_out_member_gets_no_reminder(
    books: Koperasi, loan: Any, rina: Any, today: Any
) -> None:
    from members.services import set_notification_preference

    OutboxMessage.objects.all().delete()
    set_notification_preference(member=rina, channel="none")
    today(D(2025, 2, 9))
    close(books, D(2025, 2, 9))
    assert not OutboxMessage.objects.exists()


def test_unpaid_wajib_on_the_fifth(books: Koperasi, rina: Any, today: Any) -> None:
    account = savings_account(books, "wajib", member=rina)
    for month in (1, 2):
        Obligation.objects.create(
            koperasi=books,
            account=account,
            member=rina,
            kind="wajib",
            period=D(2025, month, 1),
            amount=Decimal("50000"),
        )
    today(D(2025, 3, 4))
    close(books, D(2025, 3, 3))
    assert not OutboxMessage.objects.exists()
    close(books, D(2025, 3, 4))
    close(books, D(2025, 3, 4))
    assert texts() == [
        "KSP Sinar Bajo: Simpanan wajib 2 bulan belum dibayar, jumlah Rp100.000. "
        "Mohon dibayar di kasir."
    ]


def test_demo_step_keeps_only_the_latest_history(books: Koperasi, rina: Any) -> None:
    from core import outbox
    from notify.demo import KEEP, step_outbox

    for n in range(KEEP + 3):
        outbox.notify_member(
            member=rina,
            koperasi=books,
            kind="receipt",
            template="loans.approved",
            context={"loan": "*0001", "amount": "Rp1"},
            dedupe_key=f"uji:{n}",
        )
    outbox.notify_member(
        member=rina,
        koperasi=books,
        kind="reminder",
        template="loans.due_today",
        context={"loan": "*0001", "amount": "Rp1", "n": "1", "date": "01/01/2025"},
        dedupe_key="pengingat",
    )
    assert step_outbox(None) is not None
    kept = list(OutboxMessage.objects.order_by("pk").values_list("dedupe_key", flat=True))
    assert kept == [f"uji:{n}" for n in range(3, KEEP + 3)] + ["pengingat"]
    assert step_outbox(None) is None  # run again: nothing changes


# --- the koperasi's own reminder days ---------------------------------------------------------


def test_the_defaults_hold_until_a_pengurus_sets_them(books: Koperasi) -> None:
    from notify.services import Reminders, reminders_of

    assert reminders_of(books) == Reminders(
        days_before=3, due_day=True, overdue_days=(1, 7, 30), wajib_day=5
    )


def test_the_close_follows_the_koperasis_days(
    books: Koperasi, loan: Any, rina: Any, today: Any, pengurus: Any
) -> None:
    from notify.services import reminders_set

    reminders_set(
        koperasi=books, days_before=5, due_day=False, overdue_days="2", wajib_day=10, actor=pengurus
    )
    OutboxMessage.objects.all().delete()
    tail = loan.number[-4:]
    written = []  # the closing days that wrote a reminder
    for day in range(3, 13):  # closing 3 … 12 February: mornings 4 … 13 February
        before = OutboxMessage.objects.count()
        today(D(2025, 2, day))
        close(books, D(2025, 2, day))
        if OutboxMessage.objects.count() > before:
            written.append(day)
    assert texts() == [
        f"KSP Sinar Bajo: Angsuran ke-1 pinjaman *{tail} sebesar Rp1.060.000 jatuh tempo "
        "10/02/2025 (5 hari lagi).",
        f"KSP Sinar Bajo: Angsuran pinjaman *{tail} sebesar Rp1.060.000 terlambat 2 hari "
        "(jatuh tempo 10/02/2025). Mohon segera dibayar.",
    ]
    # Closing 4 February (5 days before) and 11 February (2 days late); nothing on the due
    # day itself, nor 1 day late.
    assert written == [4, 11]


def test_wajib_reminded_on_the_koperasis_day(
    books: Koperasi, rina: Any, today: Any, pengurus: Any
) -> None:
    from notify.services import reminders_set

    reminders_set(
        koperasi=books, days_before=3, due_day=True, overdue_days="", wajib_day=10, actor=pengurus
    )
    account = savings_account(books, "wajib", member=rina)
    Obligation.objects.create(
        koperasi=books,
        account=account,
        member=rina,
        kind="wajib",
        period=D(2025, 2, 1),
        amount=Decimal("50000"),
    )
    today(D(2025, 3, 4))
    close(books, D(2025, 3, 4))  # the 5th: no longer the day
    assert not OutboxMessage.objects.exists()
    today(D(2025, 3, 9))
    close(books, D(2025, 3, 9))
    assert texts() == [
        "KSP Sinar Bajo: Simpanan wajib 1 bulan belum dibayar, jumlah Rp50.000. "
        "Mohon dibayar di kasir."
    ]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("days_before", 15, "0 sampai 14 hari"),
        ("days_before", "tiga", "0 sampai 14 hari"),
        ("overdue_days", "0, 7", "antara 1 dan 90 hari"),
        ("overdue_days", "1, 120", "antara 1 dan 90 hari"),
        ("overdue_days", "7, 7", "cukup ditulis sekali"),
        ("overdue_days", "1, 2, 3, 4, 5, 6", "Paling banyak 5"),
        ("overdue_days", "satu", "angka dipisah koma"),
        ("wajib_day", 31, "1 sampai 28"),
    ],
)
def test_bad_settings_are_refused_with_a_message_and_change_nothing(
    books: Koperasi, pengurus: Any, field: str, value: Any, message: str
) -> None:
    from notify.models import ReminderSettings
    from notify.services import ReminderSettingsError, reminders_of, reminders_set

    good = {"days_before": 3, "due_day": True, "overdue_days": "1, 7, 30", "wajib_day": 5}
    with pytest.raises(ReminderSettingsError) as refused:
        reminders_set(koperasi=books, actor=pengurus, **{**good, field: value})
    assert message in " ".join(refused.value.messages)
    assert not ReminderSettings.objects.exists()
    assert reminders_of(books).overdue_days == (1, 7, 30)


def test_the_database_refuses_days_out_of_range(books: Koperasi, pengurus: Any) -> None:
    from django.db import IntegrityError, transaction

    from notify.models import ReminderSettings
    from notify.services import reminders_set

    reminders_set(
        koperasi=books, days_before=3, due_day=True, overdue_days="1,7", wajib_day=5, actor=pengurus
    )
    rows = ReminderSettings.objects.filter(koperasi=books)
    for change in ({"days_before": 40}, {"wajib_day": 31}, {"overdue_days": "1;x"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            rows.update(**change)
    assert rows.get().overdue == (1, 7)


def test_the_pengurus_sets_them_on_a_page(
    client: Any, books: Koperasi, pengurus: Any, kasir: Any
) -> None:
    from django.urls import reverse

    from core.models import AuditEvent
    from notify.services import reminders_of

    url = reverse("notify:reminder_settings", kwargs={"kode": books.code})
    client.force_login(pengurus)
    page = client.get(url).content.decode()
    assert 'value="1, 7, 30"' in page and 'name="days_before"' in page
    response = client.post(
        url, {"days_before": "2", "due_day": "on", "overdue_days": "30 7 1 14", "wajib_day": "8"}
    )
    assert response.status_code == 302
    assert reminders_of(books).overdue_days == (1, 7, 14, 30)
    assert reminders_of(books).days_before == 2 and reminders_of(books).wajib_day == 8
    assert AuditEvent.objects.filter(action="notify.reminder_settings").count() == 1
    bad = client.post(
        url, {"days_before": "2", "due_day": "on", "overdue_days": "1, 1", "wajib_day": "29"}
    )
    body = bad.content.decode()
    assert bad.status_code == 400
    assert "cukup ditulis sekali" in body and "Paling besar tanggal 28" in body
    assert reminders_of(books).wajib_day == 8
    # The kasir does not set them.
    client.force_login(kasir)
    assert client.get(url).status_code in (403, 404)
    assert client.post(url, {"days_before": "9", "wajib_day": "9"}).status_code in (403, 404)
    assert reminders_of(books).days_before == 2
