"""Django admin for support staff. Every write goes through ``registry.services``, so the audit
trail is as complete for a change made here as for one made on a page."""

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from registry import services
from registry.models import AnnualTarget, DigitalStageChange, Koperasi, Region, RoleGrant


class KoperasiAdminForm(forms.ModelForm):
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kecamatan"):
            try:
                services.check_region(data["kecamatan"], data.get("desa"))
            except services.RegistryError as exc:
                raise forms.ValidationError(exc.messages) from exc
        return data


@admin.register(Koperasi)
class KoperasiAdmin(admin.ModelAdmin):
    form = KoperasiAdminForm
    list_display = ("name", "code", "kecamatan", "kind", "status", "digital_stage")
    list_filter = ("status", "digital_stage", "kind", "kecamatan")
    search_fields = ("name", "code", "nik_koperasi")
    readonly_fields = ("digital_stage", "business_date")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The code is in every address of the koperasi: fixed once registered.
        return (*self.readonly_fields, "code") if obj is not None else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Koperasi, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            changes = {f: data[f] for f in form.changed_data if f in services.EDITABLE_FIELDS}
            services.koperasi_update(actor=request.user, koperasi=obj, **changes)
            return
        rest = {
            f: data[f]
            for f in services.EDITABLE_FIELDS
            if f in data and f not in ("name", "kind", "kecamatan", "desa")
        }
        created = services.koperasi_create(
            actor=request.user,
            name=data["name"],
            code=data["code"],
            kind=data["kind"],
            kecamatan=data["kecamatan"],
            desa=data.get("desa"),
            **rest,
        )
        obj.pk = created.pk
        obj._state.adding = False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a koperasi is dissolved (status bubar), never deleted


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")


@admin.register(RoleGrant)
class RoleGrantAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "koperasi")
    list_filter = ("role",)
    search_fields = ("user__username", "koperasi__name")
    autocomplete_fields = ("koperasi",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a role is granted or revoked, not edited

    def save_model(self, request: HttpRequest, obj: RoleGrant, form: Any, change: bool) -> None:
        grant = services.role_grant(
            actor=request.user, user=obj.user, role=obj.role, koperasi=obj.koperasi
        )
        obj.pk = grant.pk
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: RoleGrant) -> None:
        services.role_revoke(actor=request.user, grant=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[RoleGrant]) -> None:
        for grant in queryset:
            services.role_revoke(actor=request.user, grant=grant)


@admin.register(AnnualTarget)
class AnnualTargetAdmin(admin.ModelAdmin):
    list_display = ("year", "new_digital")

    def save_model(self, request: HttpRequest, obj: AnnualTarget, form: Any, change: bool) -> None:
        target = services.target_set(actor=request.user, year=obj.year, new_digital=obj.new_digital)
        obj.pk = target.pk
        obj._state.adding = False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DigitalStageChange)
class DigitalStageChangeAdmin(admin.ModelAdmin):
    """History, read only: a stage changes on the koperasi's profile page (with its checks)."""

    list_display = ("koperasi", "changed_on", "from_stage", "to_stage", "actor")
    list_filter = ("to_stage",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
