"""A member's session: separate from a Django user's, and opening no staff page.

The session holds the member's id and their login's ``session_version``; it lasts
:data:`MEMBER_SESSION_AGE` on the member's phone (staff sessions keep Django's default). A staff
person's session opens no member page (404), and a member's session has no user, so every staff
page sends it to the staff sign-in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from core.dates import local_today
from members.models import Member
from portal import selectors, services

MEMBER_KEY = "portal_member"
VERSION_KEY = "portal_version"
SEEN_KEY = "portal_seen"  # {"day": "2025-03-03", "screens": [...]}: adoption written once a day
MEMBER_SESSION_AGE = int(dt.timedelta(days=60).total_seconds())


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def sign_in(request: HttpRequest, member: Member) -> None:
    """Start a member's session (any earlier session in this browser, staff or member, ends)."""
    login = selectors.login_of(member_id=member.pk)
    request.session.flush()
    request.session[MEMBER_KEY] = member.pk
    request.session[VERSION_KEY] = login.session_version if login else 0
    request.session.set_expiry(MEMBER_SESSION_AGE)


def sign_out(request: HttpRequest) -> None:
    request.session.flush()


def current_member(request: HttpRequest) -> Member | None:
    member_id = request.session.get(MEMBER_KEY)
    if member_id is None:
        return None
    login = selectors.login_of(member_id=member_id)
    if login is None or login.session_version != request.session.get(VERSION_KEY):
        return None  # signed out everywhere, reset, or no longer a member
    return login.member


def _seen(request: HttpRequest, member: Member, screen: str) -> None:
    """Record the screen in the day's adoption row the first time it is opened that day."""
    today = local_today().isoformat()
    seen = request.session.get(SEEN_KEY) or {}
    if seen.get("day") != today:
        seen = {"day": today, "screens": []}
    if screen in seen["screens"]:
        return
    services.record_activity(member=member, screen=screen)
    seen["screens"].append(screen)
    request.session[SEEN_KEY] = seen


def member_view(
    screen: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorator for the member's pages: ``request.member`` is the signed-in member.

    No member session → the app's sign-in page; a staff person's session → 404.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.user.is_authenticated:
                raise Http404
            member = current_member(request)
            if member is None:
                if request.session.get(MEMBER_KEY) is not None:
                    request.session.flush()
                return redirect(f"{reverse('portal:login')}?next={request.path}")
            request.member = member  # type: ignore[attr-defined]
            _seen(request, member, screen)
            response = view(request, *args, **kwargs)
            # Balances stay out of shared caches; the service worker keeps its own copy.
            add_never_cache_headers(response)
            return response

        return wrapper

    return decorator
