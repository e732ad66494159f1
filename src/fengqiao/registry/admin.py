"""Admin for the registry's configuration (tags) and a read-only view of its rows."""

from django.contrib import admin

from fengqiao.core.admin import ConfigAdmin, ScopedAdmin
from fengqiao.registry.models import (
    Dwelling,
    Facility,
    HouseholdGroup,
    Organization,
    PersonTag,
    Place,
)


@admin.register(PersonTag)
class PersonTagAdmin(ConfigAdmin):
    """Tags decide what is sealed, so only superusers add or change them."""

    list_display = ("code", "name", "name_en", "is_sensitive")

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Dwelling)
class DwellingAdmin(ScopedAdmin):
    list_display = ("code", "address", "use", "region_code")
    search_fields = ("code", "address")
    raw_id_fields = ("village", "grid")


@admin.register(HouseholdGroup)
class HouseholdGroupAdmin(ScopedAdmin):
    list_display = ("code", "name", "grid", "head")
    search_fields = ("code", "name")
    raw_id_fields = ("grid", "head", "deputies")


@admin.register(Organization, Place, Facility)
class LocatedAdmin(ScopedAdmin):
    list_display = ("__str__", "kind", "address", "region_code")
    search_fields = ("name", "address")
    raw_id_fields = ("village", "grid")
