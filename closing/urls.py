from django.urls import path

from closing import views

app_name = "closing"

T = "k/<slug:kode>/tutup-buku/"

urlpatterns = [
    path(T, views.home, name="home"),
    path(T + "tugas/<int:close_job_id>/", views.job, name="job"),
    path(T + "hari/<int:close_run_id>/", views.run, name="run"),
    path(T + "hari/<int:close_run_id>/ulang/", views.rerun, name="rerun"),
]
