"""Admin plumbing: a jurisdiction-aware ModelAdmin and the shared tables' admin pages."""

from django.contrib import admin

from fengqiao.core.models import AccessLog, WorkdayOverride
from fengqiao.core.roles import Role
from fengqiao.core.scoping import scoped


def is_config_admin(user) -> bool:
    """Superusers, and staff accounts with the admin role (scoped to their jurisdiction)."""
    return user.is_active and (user.is_superuser or (user.is_staff and user.role == Role.ADMIN))


class ConfigAdmin(admin.ModelAdmin):
    """Configuration pages: administrators read and change; only superusers delete."""

    def has_module_permission(self, request):
        return is_config_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_config_admin(request.user)

    def has_add_permission(self, request):
        return is_config_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return is_config_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


class ScopedAdmin(ConfigAdmin):
    """Shows and edits only rows inside the admin's jurisdiction (by `scope_field`)."""

    scope_field = "region_code"

    def get_queryset(self, request):
        return scoped(super().get_queryset(request), request.user, field=self.scope_field)


@admin.register(AccessLog)
class AccessLogAdmin(ScopedAdmin):
    list_display = ("at", "actor", "action", "object_type", "object_id", "field", "ip")
    list_filter = ("action", "object_type")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WorkdayOverride)
class WorkdayOverrideAdmin(ConfigAdmin):
    list_display = ("date", "is_workday", "note")
