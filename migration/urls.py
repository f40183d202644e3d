from django.urls import path

from migration import views

app_name = "migration"

urlpatterns = [
    path("dinas/impor-koperasi/", views.registry_upload, name="registry_upload"),
    path("dinas/impor-koperasi/templat.xlsx", views.registry_template, name="registry_template"),
    path("k/<slug:kode>/migrasi/", views.wizard, name="wizard"),
    path("k/<slug:kode>/migrasi/templat.xlsx", views.template, name="template"),
    path("k/<slug:kode>/migrasi/<int:migration_upload_id>/", views.upload, name="upload"),
    path("k/<slug:kode>/migrasi/<int:migration_upload_id>/progres/", views.job, name="job"),
    path(
        "k/<slug:kode>/migrasi/<int:migration_upload_id>/laporan.xlsx",
        views.report,
        name="report",
    ),
    path(
        "k/<slug:kode>/migrasi/pemetaan/<int:mapping_id>.json",
        views.mapping_file,
        name="mapping_file",
    ),
    path(
        "k/<slug:kode>/migrasi/batch/<int:migration_batch_id>/batal/",
        views.revert,
        name="revert",
    ),
]
