from django.urls import path

from notify import views

app_name = "notify"

urlpatterns = [
    path("k/<slug:kode>/cek/", views.check, name="check"),
    path("k/<slug:kode>/cek/<str:receipt_code>/", views.check_code, name="check_code"),
    path("k/<slug:kode>/pengingat/", views.reminder_settings, name="reminder_settings"),
]
