from django.contrib import admin

from registry.models import AnnualTarget, DigitalStageChange, Koperasi, Region, RoleGrant


@admin.register(Koperasi)
class KoperasiAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kecamatan", "kind", "status", "digital_stage")
    list_filter = ("status", "digital_stage", "kind", "kecamatan")
    search_fields = ("name", "code", "nik_koperasi")
    readonly_fields = ("digital_stage", "business_date")


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


admin.site.register(AnnualTarget)
admin.site.register(DigitalStageChange)
