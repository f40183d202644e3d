from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MigrationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "migration"
    verbose_name = _("Migrasi data")

    def ready(self) -> None:
        from migration.subledger import register_subledger

        register_subledger()
