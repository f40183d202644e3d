from django.urls import path

from loans import loan_views as lv
from loans import views

app_name = "loans"

P = "k/<slug:kode>/pinjaman/"

urlpatterns = [
    path(P, views.home, name="home"),
    path(P + "produk/baru/", views.product_create, name="product_create"),
    path(P + "produk/<int:loan_product_id>/", views.product, name="product"),
    path(P + "daftar/", lv.loan_list, name="loan_list"),
    path(P + "ajukan/", lv.loan_apply, name="loan_apply"),
    path(P + "persetujuan/", lv.approvals_queue, name="approvals"),
    path(P + "kasir/", lv.counter, name="counter"),
    path(P + "<int:loan_id>/", lv.loan_detail, name="loan"),
    path(P + "<int:loan_id>/setujui/", lv.loan_approve, name="loan_approve"),
    path(P + "<int:loan_id>/tolak/", lv.loan_refuse, name="loan_refuse"),
    path(P + "<int:loan_id>/cairkan/", lv.loan_disburse, name="loan_disburse"),
    path(P + "<int:loan_id>/bayar/", lv.loan_repay, name="loan_repay"),
    path(P + "struk/<int:loan_tx_id>/", lv.receipt, name="receipt"),
    path(P + "struk/<int:loan_tx_id>/batalkan/", lv.void_request, name="void_request"),
    path(P + "pembatalan/<int:loan_void_id>/", lv.void_decide, name="void_decide"),
]
