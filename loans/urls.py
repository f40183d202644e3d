from django.urls import path

from loans import report_views, views

app_name = "loans"

P = "k/<slug:kode>/pinjaman/"

urlpatterns = [
    path(P, views.home, name="home"),
    path(P + "produk/baru/", views.product_create, name="product_create"),
    path(P + "produk/<int:loan_product_id>/", views.product, name="product"),
    path(P + "daftar/", report_views.loan_list, name="loan_list"),
    path(P + "tunggakan/", report_views.arrears, name="arrears"),
    path(P + "kolektibilitas/", report_views.grades, name="grades"),
    path(
        P + "<int:loan_id>/kolektibilitas/",
        report_views.grade_override,
        name="grade_override",
    ),
]
