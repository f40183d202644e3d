from django.urls import path

from registry import user_views, views

app_name = "registry"

urlpatterns = [
    path("pilih-koperasi/", views.choose, name="choose"),
    path("dinas/koperasi/", views.registry_list, name="list"),
    path("dinas/koperasi/<slug:kode>/", views.profile, name="profile"),
    path("dinas/koperasi/<slug:kode>/tahap/", views.stage_change, name="stage_change"),
    path("dinas/audit/", views.district_audit, name="district_audit"),
    path("k/<slug:kode>/audit/", views.koperasi_audit, name="audit"),
    path("k/<slug:kode>/pengguna/", user_views.staff_users, name="staff_users"),
    path("k/<slug:kode>/pengguna/<int:user_id>/", user_views.staff_user, name="staff_user"),
    path("dinas/pengguna/", user_views.people, name="people"),
    path("dinas/pengguna/<int:user_id>/", user_views.person, name="person"),
    path("akun/", user_views.account, name="account"),
    path("akun/dua-langkah/", user_views.account_totp, name="account_totp"),
]
