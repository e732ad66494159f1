"""Admin for regions and grids, scoped to the admin's jurisdiction."""

from django.contrib import admin

from fengqiao.core.admin import ScopedAdmin
from fengqiao.regions.models import Grid, Region


@admin.register(Region)
class RegionAdmin(ScopedAdmin):
    scope_field = "code"
    list_display = ("code", "name", "level", "kind", "parent")
    list_filter = ("level", "kind")
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)

    def get_readonly_fields(self, request, obj=None):
        # A scoped administrator renames its regions but does not move or recode them: the
        # parent of its own top region lies outside its area.
        if obj is not None and not request.user.is_superuser:
            return ("code", "level", "parent")
        return ()


@admin.register(Grid)
class GridAdmin(ScopedAdmin):
    scope_field = "code"
    list_display = ("code", "name", "kind", "village", "chief")
    list_filter = ("kind",)
    search_fields = ("code", "name")
    raw_id_fields = ("village", "parent", "chief")
    filter_horizontal = ("workers",)
