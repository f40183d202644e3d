from django.urls import path

from loans import views

app_name = "loans"

P = "k/<slug:kode>/pinjaman/"

urlpatterns = [
    path(P, views.home, name="home"),
    path(P + "produk/baru/", views.product_create, name="product_create"),
    path(P + "produk/<int:loan_product_id>/", views.product, name="product"),
]
