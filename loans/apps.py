from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoansConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "loans"
    verbose_name = _("Pinjaman")

    def ready(self) -> None:
        from ledger import subledgers
        from loans.services import counter_requests
        from loans.services.netting import exit_netting
        from loans.subledger import LOANS, drawer_cash
        from savings.services import drawer, register_exit_netting

        subledgers.register(LOANS)
        drawer.register_cash_source("loans", drawer_cash)
        register_exit_netting(exit_netting)
        counter_requests.register()
