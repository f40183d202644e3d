"""Sign-in throttling on top of django-axes: per username and address, and per address alone.

Axes locks a username tried from one address after ``AXES_FAILURE_LIMIT`` failures. Guesses
spread over many usernames from one address lock none of them, so an address whose failures
across all usernames reach ``KOPDIG_LOGIN_IP_FAILURE_LIMIT`` within the cool-off is locked too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_ip_address, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone


def address_failures(ip_address: str | None) -> int:
    """Failed sign-ins from ``ip_address`` within the cool-off, whatever the username."""
    if not ip_address:
        return 0
    since = timezone.now() - dt.timedelta(hours=float(settings.AXES_COOLOFF_TIME))
    total = AccessAttempt.objects.filter(ip_address=ip_address, attempt_time__gte=since).aggregate(
        n=Sum("failures_since_start")
    )["n"]
    return int(total or 0)


def is_username_locked(username: str) -> bool:
    """Whether ``username`` is locked from some address now (what an admin may clear)."""
    since = timezone.now() - dt.timedelta(hours=float(settings.AXES_COOLOFF_TIME))
    return AccessAttempt.objects.filter(
        username=username,
        attempt_time__gte=since,
        failures_since_start__gte=int(settings.AXES_FAILURE_LIMIT),
    ).exists()


class LoginLockHandler(AxesDatabaseHandler):
    def get_failures(self, request: Any, credentials: dict | None = None) -> int:
        failures = int(super().get_failures(request, credentials))
        limit = int(settings.KOPDIG_LOGIN_IP_FAILURE_LIMIT)
        if address_failures(get_client_ip_address(request)) >= limit:
            # The address is over its own limit: report it as locked, whatever the username.
            return max(failures, int(get_failure_limit(request, credentials)))
        return failures
