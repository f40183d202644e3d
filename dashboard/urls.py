from django.urls import path

from dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("k/<slug:kode>/", views.beranda, name="beranda"),
]
