from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SavingsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "savings"
    verbose_name = _("Simpanan")

    def ready(self) -> None:
        from ledger import subledgers
        from savings.subledger import SAVINGS

        subledgers.register(SAVINGS)
