from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("k/<slug:kode>/anggota/", views.member_list, name="list"),
    path("k/<slug:kode>/anggota/cari/", views.member_quick_search, name="search"),
    path("k/<slug:kode>/anggota/nomor/", views.number_format, name="number_format"),
    path("k/<slug:kode>/anggota/ekspor.csv", views.export_csv, name="export_csv"),
    path("k/<slug:kode>/anggota/ekspor.xlsx", views.export_xlsx, name="export_xlsx"),
    path("k/<slug:kode>/anggota/<int:member_id>/", views.member_detail, name="detail"),
    path("k/<slug:kode>/anggota/<int:member_id>/ubah/", views.member_edit, name="edit"),
    path("k/<slug:kode>/anggota/<int:member_id>/berhenti/", views.member_end, name="end"),
    path(
        "k/<slug:kode>/anggota/<int:member_id>/pemberitahuan/",
        views.member_notify_channel,
        name="notify_channel",
    ),
]
