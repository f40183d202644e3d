from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboard"
    verbose_name = _("Dinas dan konsultan")

    def ready(self) -> None:
        from dashboard import services
        from registry.services import register_stage_listener

        # A koperasi that goes digital (or back) gets its figures from its books (or its
        # reports) at once, not at the next close of business.
        register_stage_listener(
            "dashboard.figures", lambda koperasi: services.figures_refresh(koperasi=koperasi)
        )
