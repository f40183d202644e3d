from django.urls import path

from registry import views

app_name = "registry"

urlpatterns = [
    path("pilih-koperasi/", views.choose, name="choose"),
    path("dinas/koperasi/", views.registry_list, name="list"),
    path("dinas/koperasi/<slug:kode>/", views.profile, name="profile"),
    path("dinas/koperasi/<slug:kode>/tahap/", views.stage_change, name="stage_change"),
    path("dinas/audit/", views.district_audit, name="district_audit"),
    path("k/<slug:kode>/audit/", views.koperasi_audit, name="audit"),
]
