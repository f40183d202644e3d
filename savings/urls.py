from django.urls import path

from savings import approval_views as approvals
from savings import counter_views as kasir
from savings import enrol_views, views
from savings import void_views as voids

app_name = "savings"

S = "k/<slug:kode>/simpanan/"
K = "k/<slug:kode>/kasir/"

urlpatterns = [
    # The Anggota page's "Daftarkan anggota" (see savings.enrol_views).
    path("k/<slug:kode>/anggota/baru/", enrol_views.member_register, name="member_register"),
    path(S, views.home, name="home"),
    path(S + "produk/baru/", views.product_create, name="product_create"),
    path(S + "produk/<int:product_id>/", views.product, name="product"),
    path(S + "rekening/<int:savings_account_id>/", views.account, name="account"),
    path(
        S + "rekening/<int:savings_account_id>/mutasi.pdf",
        views.statement_pdf,
        name="statement_pdf",
    ),
    path(S + "rekening/<int:savings_account_id>/wajib/", views.account_wajib, name="account_wajib"),
    path(S + "anggota/<int:member_id>/", views.member, name="member"),
    path(S + "anggota/<int:member_id>/keluar/", views.member_exit, name="member_exit"),
    path(S + "tunggakan/", views.arrears, name="arrears"),
    path(S + "tunggakan/unduh.csv", views.arrears_export, {"fmt": "csv"}, name="arrears_csv"),
    path(S + "tunggakan/unduh.xlsx", views.arrears_export, {"fmt": "xlsx"}, name="arrears_xlsx"),
    path(S + "pajak/", views.tax, name="tax"),
    path(S + "pajak/setor/", views.tax_deposit, name="tax_deposit"),
    path(S + "pajak/bukti-potong.csv", views.tax_export, {"fmt": "csv"}, name="tax_csv"),
    path(S + "pajak/bukti-potong.xlsx", views.tax_export, {"fmt": "xlsx"}, name="tax_xlsx"),
    path(S + "akhir-bulan/", views.month_end, name="month_end"),
    path(S + "potong-gaji/", views.payroll, name="payroll"),
    path(S + "potong-gaji/<int:batch_id>/", views.payroll_batch, name="payroll_batch"),
    path(
        S + "potong-gaji/<int:batch_id>/kesalahan.csv",
        views.payroll_errors,
        name="payroll_errors",
    ),
    path(S + "sesi-kasir/", views.sessions, name="sessions"),
    path(S + "batas-kasir/", approvals.limits, name="limits"),
    path(S + "persetujuan/", approvals.queue, name="approvals"),
    path(S + "persetujuan/<int:request_id>/setujui/", approvals.approve, name="request_approve"),
    path(S + "persetujuan/<int:request_id>/tolak/", approvals.refuse, name="request_refuse"),
    path(S + "sesi-kasir/<int:session_id>/", voids.session_detail, name="session_detail"),
    path(S + "sesi-kasir/<int:session_id>/pdf/", voids.session_pdf, name="session_pdf"),
    path(S + "pembatalan/", voids.void_queue, name="void_queue"),
    path(S + "pembatalan/<int:void_id>/setujui/", voids.void_approve, name="void_approve"),
    path(S + "pembatalan/<int:void_id>/tolak/", voids.void_refuse, name="void_refuse"),
    path(K, kasir.counter, name="counter"),
    path(K + "cari/", kasir.search, name="search"),
    path(K + "buka/", kasir.session_open, name="session_open"),
    path(K + "tutup/", kasir.session_close, name="session_close"),
    path(K + "brankas/", kasir.vault, name="vault"),
    path(K + "anggota-baru/", kasir.join, name="join"),
    path(K + "anggota/<int:member_id>/", kasir.member, name="counter_member"),
    path(K + "anggota/<int:member_id>/pindah/", kasir.transfer, name="transfer"),
    path(K + "anggota/<int:member_id>/berjangka/", kasir.berjangka_open, name="berjangka_open"),
    path(K + "rekening/<int:savings_account_id>/setor/", kasir.deposit, name="deposit"),
    path(K + "rekening/<int:savings_account_id>/tarik/", kasir.withdraw, name="withdraw"),
    path(
        K + "rekening/<int:savings_account_id>/cairkan/",
        kasir.berjangka_close,
        name="berjangka_close",
    ),
    path(K + "struk/<int:transaction_id>/", kasir.receipt, name="receipt"),
    path(K + "struk/<int:transaction_id>.pdf", kasir.receipt_pdf, name="receipt_pdf"),
    path(K + "struk/<int:transaction_id>/batalkan/", voids.void_request, name="void_request"),
]
