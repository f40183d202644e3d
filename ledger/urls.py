from django.urls import path

from ledger import views

app_name = "ledger"

B = "k/<slug:kode>/buku/"

urlpatterns = [
    path(B, views.home, name="home"),
    path(B + "akun/", views.chart, name="chart"),
    path(B + "akun/baru/", views.account_create, name="account_create"),
    path(B + "akun/peran/", views.role_map, name="role_map"),
    path(B + "akun/siapkan/", views.chart_setup, name="chart_setup"),
    path(B + "akun/<int:account_id>/ubah/", views.account_edit, name="account_edit"),
    path(B + "jurnal/", views.journal_list, name="journal"),
    path(B + "jurnal/baru/", views.entry_create, name="entry_create"),
    path(B + "jurnal/<int:entry_id>/", views.entry_detail, name="entry"),
    path(B + "jurnal/<int:entry_id>/balik/", views.entry_reverse, name="entry_reverse"),
    path(B + "besar/", views.general_ledger_pick, name="general_ledger_pick"),
    path(B + "besar/<int:account_id>/", views.general_ledger, name="general_ledger"),
    path(B + "neraca-saldo/", views.trial_balance, name="trial_balance"),
    path(B + "neraca/", views.posisi_keuangan, name="posisi_keuangan"),
    path(B + "hasil-usaha/", views.hasil_usaha, name="hasil_usaha"),
    path(B + "periode/", views.periods, name="periods"),
    path(B + "periode/tutup/", views.period_close, name="period_close"),
    path(B + "periode/buka/", views.period_reopen, name="period_reopen"),
    path(B + "periode/tanggal/", views.business_date_advance, name="business_date"),
]
