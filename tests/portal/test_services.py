"""Getting into the members' app: activation codes, PINs, locks and rate limits."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from dashboard.models import MemberAppAccount, MemberAppActivity
from members.models import Member
from portal import services
from portal.models import ActivationCode, MemberLogin
from portal.services import PortalError
from tests.portal.conftest import PIN


def _codes(exc: Any) -> str:
    return str(exc.value.code)


def test_activation_sets_the_pin_and_counts_the_member_as_activated(
    member: Member, kasir: Any
) -> None:
    code = services.issue_activation_code(member=member, actor=kasir)
    assert len(code) == 8 and code.isdigit()
    assert code not in ActivationCode.objects.get(member=member).code_hash
    login = services.activate(
        phone="081234567001", member_number=member.number, code=code, pin=PIN, pin_again=PIN
    )
    assert login.phone == "+6281234567001" and login.activated_at is not None
    assert MemberAppAccount.objects.filter(member=member).exists()
    assert services.authenticate(phone="+6281234567001", pin=PIN) == member
    assert MemberAppActivity.objects.get(member=member).logins == 1


def test_a_code_works_once_and_a_newer_code_voids_the_older(member: Member, kasir: Any) -> None:
    first = services.issue_activation_code(member=member, actor=kasir)
    second = services.issue_activation_code(member=member, actor=kasir)
    args: dict[str, Any] = {
        "phone": "081234567001",
        "member_number": member.number,
        "pin": PIN,
        "pin_again": PIN,
    }
    with pytest.raises(PortalError) as exc:
        services.activate(code=first, **args)
    assert _codes(exc) == "activation_refused"
    services.activate(code=second, **args)
    with pytest.raises(PortalError):
        services.activate(code=second, **args)


def test_a_code_sent_by_whatsapp_goes_through_the_outbox_once(member: Member, kasir: Any) -> None:
    from core.models import OutboxMessage
    from core.notify.messages import render

    codes = OutboxMessage.objects.filter(member=member, template="portal.activation")
    services.issue_activation_code(member=member, actor=kasir)  # printed: no message
    assert not codes.exists()
    code = services.issue_activation_code(member=member, actor=kasir, channel="whatsapp")
    sent = codes.get()
    assert (sent.channel, sent.to, sent.template) == ("whatsapp", member.phone, "portal.activation")
    text = render(sent.template, sent.context)
    assert code in text and len(text) <= 160
    services.activate(
        phone="081234567001", member_number=member.number, code=code, pin=PIN, pin_again=PIN
    )


def test_bad_pins_are_refused_with_a_reason(member: Member, kasir: Any) -> None:
    code = services.issue_activation_code(member=member, actor=kasir)
    args: dict[str, Any] = {"phone": "081234567001", "member_number": member.number, "code": code}
    for pin, again, why in [
        ("12345", "12345", "pin_format"),
        ("258147", "258148", "pin_mismatch"),
        ("123456", "123456", "pin_weak"),
        ("777777", "777777", "pin_weak"),
    ]:
        with pytest.raises(PortalError) as exc:
            services.activate(pin=pin, pin_again=again, **args)
        assert _codes(exc) == why
    assert not MemberLogin.objects.exists()


def test_only_staff_of_the_koperasi_issue_codes(member: Member, other_koperasi: Any) -> None:
    from registry.models import Role
    from tests.factories import staff_user

    stranger = staff_user("kasir.lain", Role.KASIR, other_koperasi)
    with pytest.raises(PortalError) as exc:
        services.issue_activation_code(member=member, actor=stranger)
    assert _codes(exc) == "who"


def test_five_wrong_pins_lock_for_thirty_minutes_and_a_new_code_resets(
    activated: Member, kasir: Any
) -> None:
    messages = []
    for _ in range(5):
        with pytest.raises(PortalError) as exc:
            services.authenticate(phone="081234567001", pin="999111")
        messages.append(str(exc.value.message))
    assert messages[0] == "PIN salah. Sisa percobaan: 4."
    assert messages[3] == "PIN salah. Sisa percobaan: 1."
    assert "terkunci" in messages[4]
    with pytest.raises(PortalError) as locked:
        services.authenticate(phone="081234567001", pin=PIN)  # the right PIN, but locked
    assert _codes(locked) == "locked"
    login = MemberLogin.objects.get(member=activated)
    assert login.locked_until is not None
    assert login.locked_until - timezone.now() > dt.timedelta(minutes=29)
    # The koperasi resets it with a new code: a new PIN, unlocked, old sessions ended.
    version = login.session_version
    code = services.issue_activation_code(member=activated, actor=kasir)
    services.activate(
        phone="081234567001",
        member_number=activated.number,
        code=code,
        pin="369258",
        pin_again="369258",
    )
    assert services.authenticate(phone="081234567001", pin="369258") == activated
    assert MemberLogin.objects.get(member=activated).session_version == version + 1


def test_activation_is_rate_limited_per_phone(member: Member, kasir: Any) -> None:
    code = services.issue_activation_code(member=member, actor=kasir)
    for _ in range(services.ACTIVATION_FAILS_PER_PHONE):
        with pytest.raises(PortalError) as exc:
            services.activate(
                phone="081234567001",
                member_number="salah",
                code=code,
                pin=PIN,
                pin_again=PIN,
                ip=None,
            )
        assert _codes(exc) == "activation_refused"
    with pytest.raises(PortalError) as exc:  # even with everything right now
        services.activate(
            phone="081234567001", member_number=member.number, code=code, pin=PIN, pin_again=PIN
        )
    assert _codes(exc) == "rate_limited"


def test_activation_is_rate_limited_per_address(member: Member, kasir: Any) -> None:
    code = services.issue_activation_code(member=member, actor=kasir)
    for i in range(services.ACTIVATION_FAILS_PER_IP):
        with pytest.raises(PortalError):
            services.activate(
                phone=f"08123450{i:04d}",
                member_number="1",
                code="1",
                pin=PIN,
                pin_again=PIN,
                ip="10.0.0.7",
            )
    with pytest.raises(PortalError) as exc:
        services.activate(
            phone="081234567001",
            member_number=member.number,
            code=code,
            pin=PIN,
            pin_again=PIN,
            ip="10.0.0.7",
        )
    assert _codes(exc) == "rate_limited"
    # Another address is not held up by this one.
    services.activate(
        phone="081234567001",
        member_number=member.number,
        code=code,
        pin=PIN,
        pin_again=PIN,
        ip="10.0.0.8",
    )


def test_pin_guessing_is_rate_limited_per_address(activated: Member) -> None:
    for i in range(services.PIN_FAILS_PER_IP):
        with pytest.raises(PortalError):
            services.authenticate(phone=f"08123450{i:04d}", pin="999111", ip="10.0.0.9")
    with pytest.raises(PortalError) as exc:
        services.authenticate(phone="081234567001", pin=PIN, ip="10.0.0.9")
    assert _codes(exc) == "rate_limited"


def test_logout_everywhere_bumps_the_session_version(activated: Member) -> None:
    before = MemberLogin.objects.get(member=activated).session_version
    services.logout_everywhere(member=activated)
    assert MemberLogin.objects.get(member=activated).session_version == before + 1


def test_a_loan_request_sent_twice_makes_one_application(activated: Member) -> None:
    from loans.models import Loan, LoanStatus
    from tests.factories import loan_product

    product = loan_product(activated.koperasi)
    before = Loan.objects.filter(member=activated).count()
    args = {"member": activated, "product": product, "amount": "2000000", "tenor": 6}
    first = services.loan_request(idempotency_key="a1b2c3d4e5f6", **args)
    again = services.loan_request(idempotency_key="a1b2c3d4e5f6", **args)
    assert first.pk == again.pk and first.status == LoanStatus.DIAJUKAN
    assert Loan.objects.filter(member=activated).count() == before + 1
    with pytest.raises(PortalError) as exc:
        services.loan_request(idempotency_key="zzzzzzzz9", **{**args, "amount": "100"})
    assert "antara" in str(exc.value.message)


def test_a_phone_change_waits_for_the_koperasi(activated: Member, kasir: Any) -> None:
    change = services.phone_change_request(member=activated, new_phone="0813 9999 0001")
    assert MemberLogin.objects.get(member=activated).phone == "+6281234567001"
    services.phone_change_decide(change=change, actor=kasir, approve=True)
    activated.refresh_from_db()
    assert activated.phone == "+6281399990001"
    assert services.authenticate(phone="081399990001", pin=PIN) == activated
