from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from kopdig.api import api
from registry.user_views import login, login_totp, password_reset
from registry.views import home

urlpatterns = [
    path("masuk/", login, name="login"),
    path("masuk/kode/", login_totp, name="login_totp"),
    path("lupa-sandi/", password_reset, name="password_reset"),
    path("keluar/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", home, name="home"),
    path("", include("dashboard.urls")),
    path("", include("registry.urls")),
    path("", include("members.urls")),
    path("", include("ledger.urls")),
    path("", include("savings.urls")),
    path("", include("loans.urls")),
    path("", include("closing.urls")),
    path("", include("migration.urls")),
    path("", include("notify.urls")),
    path("", include("portal.urls")),
    path("api/v1/", api.urls),
]

handler400 = "kopdig.errors.bad_request"
handler403 = "kopdig.errors.permission_denied"
handler404 = "kopdig.errors.page_not_found"
handler500 = "kopdig.errors.server_error"
