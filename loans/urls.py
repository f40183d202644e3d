from django.urls import path

from loans import end_views as ev
from loans import loan_views as lv
from loans import report_views, views

app_name = "loans"

P = "k/<slug:kode>/pinjaman/"

urlpatterns = [
    path(P, views.home, name="home"),
    path(P + "produk/baru/", views.product_create, name="product_create"),
    path(P + "produk/<int:loan_product_id>/", views.product, name="product"),
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
    path(P + "daftar/", report_views.loan_list, name="loan_list"),
    path(P + "tunggakan/", report_views.arrears, name="arrears"),
    path(P + "kolektibilitas/", report_views.grades, name="grades"),
    path(
        P + "<int:loan_id>/kolektibilitas/",
        report_views.grade_override,
        name="grade_override",
    ),
    # The end of a loan's life (loanend).
    path(P + "<int:loan_id>/restrukturisasi/", ev.restructure_request, name="restructure_request"),
    path(
        P + "restrukturisasi/<int:loan_restructure_id>/",
        ev.restructure_decide,
        name="restructure_decide",
    ),
    path(P + "<int:loan_id>/hapus-buku/", ev.writeoff_request, name="writeoff_request"),
    path(P + "hapus-buku/<int:loan_writeoff_id>/", ev.writeoff_decide, name="writeoff_decide"),
    path(
        P + "hapus-buku/<int:loan_writeoff_id>/diketahui/",
        ev.writeoff_seen,
        name="writeoff_seen",
    ),
    path(P + "dihapusbukukan/", ev.written_off, name="written_off"),
    path(P + "<int:loan_id>/pemulihan/", ev.recover, name="recover"),
    path(P + "potong-gaji/", ev.payroll, name="payroll"),
    path(P + "potong-gaji/<int:loan_payroll_id>/", ev.payroll_batch, name="payroll_batch"),
    path(
        P + "potong-gaji/<int:loan_payroll_id>/kesalahan.csv",
        ev.payroll_errors,
        name="payroll_errors",
    ),
    path(P + "<int:loan_id>/jadwal.pdf", ev.schedule_pdf, name="schedule_pdf"),
    path(P + "<int:loan_id>/rekening-koran.pdf", ev.statement_pdf, name="statement_pdf"),
    path(P + "<int:loan_id>/surat-lunas.pdf", ev.settlement_letter_pdf, name="settlement_letter"),
]
