"""Sign-in rules that hold on every page."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

# Set at sign-in when an admin chose the password (a new account): until the person picks
# their own, every page leads to the password form. A session flag, so no query per request.
MUST_CHANGE_PASSWORD = "kopdig_must_change_password"


class PasswordChangeRequired:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.session.get(MUST_CHANGE_PASSWORD) and request.user.is_authenticated:
            allowed = (reverse("registry:account"), reverse("logout"), reverse("set_language"))
            if request.path not in allowed:
                return redirect("registry:account")
        return self.get_response(request)
