from django.urls import path

from migration import views

app_name = "migration"

urlpatterns = [
    path("dinas/impor-koperasi/", views.registry_upload, name="registry_upload"),
    path("dinas/impor-koperasi/templat.xlsx", views.registry_template, name="registry_template"),
]
