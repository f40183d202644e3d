"""The project's URLs plus one trivial view: the floor the members' app is compared with
(the same server, middleware and session in the same run; see bench/portal.py)."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/trivial/", trivial, name="bench_trivial"),
    path("", include("kopdig.urls")),
]
