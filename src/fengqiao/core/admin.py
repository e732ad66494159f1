"""Admin plumbing: a jurisdiction-aware ModelAdmin and the shared tables' admin pages."""

from django.contrib import admin

from fengqiao.core.audit import audit_diff, audit_record, audit_snapshot
from fengqiao.core.http import client_ip
from fengqiao.core.models import AccessLog, AuditEntry, WorkdayOverride
from fengqiao.core.roles import Role
from fengqiao.core.scoping import scoped


def is_config_admin(user) -> bool:
    """Superusers, and staff accounts with the admin role (scoped to their jurisdiction)."""
    return user.is_active and (user.is_superuser or (user.is_staff and user.role == Role.ADMIN))


class AuditedAdmin:
    """ModelAdmin mixin: every save and delete through the admin writes an audit row, inside
    the admin's own transaction (changeform_view and delete_view are atomic).

    Only the model fields the form changed are recorded, before → after (read back from the
    database, so the old value is the stored one); personal fields as "***" (core.audit).
    """

    audit_reason = "admin"

    def audit_region(self, obj) -> str | None:
        """The jurisdiction code of the audit row; rows without one are global."""
        return getattr(obj, "region_code", None)

    def _audit_fields(self, obj, form) -> list[str]:
        concrete = {f.name for f in obj._meta.get_fields() if f.concrete or f.many_to_many}
        return [name for name in getattr(form, "changed_data", []) if name in concrete]

    def save_model(self, request, obj, form, change):
        fields = self._audit_fields(obj, form)
        stored = type(obj)._default_manager.filter(pk=obj.pk).first() if change else None
        before = audit_snapshot(stored, fields) if stored is not None else {}
        super().save_model(request, obj, form, change)
        # Written in save_related, once many-to-many fields and inlines are saved too.
        request._fengqiao_audit = (obj, fields, before, "update" if change else "create")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        pending = request.__dict__.pop("_fengqiao_audit", None)
        if pending is None:
            return
        obj, fields, before, action = pending
        changes = audit_diff(before, audit_snapshot(obj, fields))
        if action == "update" and not changes:
            return
        audit_record(
            actor=request.user,
            entity=obj,
            action=action,
            changes=changes,
            reason=self.audit_reason,
            region_code=self.audit_region(obj),
            ip=client_ip(request),
        )

    def delete_model(self, request, obj):
        self._audit_deleted(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self._audit_deleted(request, obj)
        super().delete_queryset(request, queryset)

    def _audit_deleted(self, request, obj) -> None:
        fields = [f.name for f in obj._meta.concrete_fields if not f.primary_key]
        audit_record(
            actor=request.user,
            entity=obj,
            action="delete",
            changes=audit_diff(audit_snapshot(obj, fields), {}),
            reason=self.audit_reason,
            region_code=self.audit_region(obj),
            ip=client_ip(request),
        )


class ConfigAdmin(AuditedAdmin, admin.ModelAdmin):
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


@admin.register(AuditEntry)
class AuditEntryAdmin(ScopedAdmin):
    """Read only, like the table itself (the database refuses changes anyway)."""

    list_display = ("at", "actor_label", "action", "entity_type", "entity_id", "region_code")
    list_filter = ("action", "entity_type")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
