"""Schemathesis against the API's own OpenAPI document, in-process (WSGI), with real tokens.

Every operation is called with generated data (a few examples each, so the whole run stays well
under a minute); no answer may be a 5xx or differ from the schema (status, content type, body).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings

from api.services import token_create
from members.models import Member
from portal import services as portal
from tests.factories import loan_product

D = Decimal
PIN = "258147"


@pytest.fixture
def api_schema(db: Any) -> Iterator[Any]:
    # The test's transaction must survive each in-process request: Django's WSGI handler
    # closes "old" connections at the start and end of a request (the test client does not).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(member: Member, kasir: Any, session: Any) -> Any:
    """A fresh token per call (a generated sign-out may revoke the one before): the member's
    for the member's API, the kasir's (with an open cash session) for the rest. The member is
    Rina of tests/api/conftest.py, activated in the app."""
    code = portal.issue_activation_code(member=member, actor=kasir)
    portal.activate(
        phone=member.phone, member_number=member.number, code=code, pin=PIN, pin_again=PIN
    )
    loan_product(member.koperasi)

    def make(path: str) -> dict[str, str]:
        owner = {"member": member} if path.startswith("/api/v1/anggota") else {"user": kasir}
        raw, _token = token_create(koperasi=member.koperasi, device="schemathesis", **owner)
        # identity: the WSGI test transport would not undo the site's gzip.
        return {"Authorization": f"Bearer {raw}", "Accept-Encoding": "identity"}

    return make


# Business rules refuse schema-valid data with a 422 by design (a balance too low, an amount
# outside the product's range, an unknown phone): that is not a schema violation.
EXCLUDED = [schemathesis.checks.positive_data_acceptance]
# Examples per operation: enough to reach the refusals and a success or two, bounded for CI.
EXAMPLES = 6


def test_api_answers_as_its_schema_says(api_schema: Any, bearer: Any) -> None:
    """Each operation in turn (schemathesis's pytest plugin wants per-test fixtures it cannot
    mix with a database transaction; one loop over the operations keeps one transaction)."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {op.path for op in operations} >= {
        "/api/v1/kasir/rekening/{savings_account_id}/setor",
        "/api/v1/token/staf",
    }
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def call(case: Any) -> None:
            case.call_and_validate(headers=bearer(case.path), excluded_checks=EXCLUDED)

        call()
