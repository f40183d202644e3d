from django.urls import path

from portal import staff_views, views

app_name = "portal"

A = "app/"
K = "k/<slug:kode>/aplikasi/"

urlpatterns = [
    path(A, views.beranda, name="beranda"),
    path(A + "masuk/", views.login, name="login"),
    path(A + "aktivasi/", views.activate, name="activate"),
    path(A + "keluar/", views.logout, name="logout"),
    path(A + "keluar-semua/", views.logout_everywhere, name="logout_everywhere"),
    path(A + "simpanan/<int:savings_account_id>/", views.mutations, name="mutations"),
    path(
        A + "simpanan/<int:savings_account_id>/rekening-koran.pdf",
        views.statement_pdf,
        name="statement_pdf",
    ),
    path(A + "pinjaman/", views.loans, name="loans"),
    path(A + "pinjaman/<int:loan_id>/", views.loan, name="loan"),
    path(A + "simulasi/", views.simulate, name="simulate"),
    path(A + "ajukan/", views.apply, name="apply"),
    path(A + "wajib/", views.wajib, name="wajib"),
    path(A + "struk/", views.receipts, name="receipts"),
    path(A + "struk/s/<int:transaction_id>/", views.receipt_savings, name="receipt_savings"),
    path(A + "struk/p/<int:loan_tx_id>/", views.receipt_loan, name="receipt_loan"),
    path(A + "profil/", views.profile, name="profile"),
    path(A + "manifest.webmanifest", views.manifest, name="manifest"),
    path(A + "sw.js", views.service_worker, name="service_worker"),
    path(K + "anggota/<int:member_id>/", staff_views.issue_code, name="issue_code"),
    path(K + "nomor-hp/", staff_views.phone_changes, name="phone_changes"),
    path(
        K + "nomor-hp/<int:phone_change_id>/",
        staff_views.phone_change_decide,
        name="phone_change_decide",
    ),
]
