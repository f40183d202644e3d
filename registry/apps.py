from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def restore_regions(sender: AppConfig, *, using: str, apps: Any = None, **kwargs: Any) -> None:
    """Put the region list back when a flush emptied it.

    Regions are reference data loaded by migration ``0002``. ``flush`` (which the test runner
    uses after every transactional test) empties every table and then sends ``post_migrate``,
    as it does for content types; without this, a koperasi could not be registered afterwards.
    """
    from django.apps import apps as global_apps

    from registry.regions import load_regions

    try:
        region = (apps or global_apps).get_model("registry", "Region")
    except LookupError:  # migrated back to before the regions existed
        return
    if not region.objects.using(using).exists():
        load_regions(region)


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Registri koperasi")

    def ready(self) -> None:
        post_migrate.connect(restore_regions, sender=self)
