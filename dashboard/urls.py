from django.urls import path

from dashboard import beranda_views, views

app_name = "dashboard"

urlpatterns = [
    path("k/<slug:kode>/", beranda_views.beranda, name="beranda"),
    path("dinas/", views.home, name="home"),
    path("dinas/daftar/", views.district_list, name="district_list"),
    path("dinas/target/", views.targets, name="targets"),
    path("dinas/penugasan/", views.assignments, name="assignments"),
    path("dinas/koperasi-baru/", views.koperasi_new, name="koperasi_new"),
    path("dinas/koperasi/<slug:kode>/ubah/", views.koperasi_edit, name="koperasi_edit"),
    path("dinas/koperasi/<slug:kode>/data/", views.details, name="details"),
    path("dinas/koperasi/<slug:kode>/kinerja/", views.koperasi_page, name="koperasi"),
    path("dinas/kunjungan/<int:visit_id>/foto/", views.visit_photo, name="visit_photo"),
    path("dinas/laporan/tahunan/", views.annual_report, name="annual_report"),
    path("dinas/laporan/ringkasan.pdf", views.summary_pdf, name="summary_pdf"),
    path("konsultan/", views.consultant_home, name="consultant"),
    path("konsultan/<slug:kode>/kunjungan/", views.visit_new, name="visit_new"),
    path(
        "konsultan/tindak-lanjut/<int:follow_up_id>/selesai/",
        views.follow_up_done,
        name="follow_up_done",
    ),
]
