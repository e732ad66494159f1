"""Admin plumbing: a jurisdiction-aware ModelAdmin and the shared tables' admin pages."""

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from fengqiao.core.audit import audit_diff, audit_record, audit_snapshot
from fengqiao.core.errors import DomainError
from fengqiao.core.http import client_ip
from fengqiao.core.models import AccessLog, AuditEntry, WorkdayOverride
from fengqiao.core.roles import Role
from fengqiao.core.scoping import code_within, scoped

if TYPE_CHECKING:
    # The mixins below call the admin methods they extend through super(): the type checker
    # sees them as the admin classes they are mixed into.
    _BaseAdmin = admin.options.BaseModelAdmin
    _ModelAdmin = admin.ModelAdmin
else:
    _BaseAdmin = _ModelAdmin = object

OUTSIDE_JURISDICTION = _("This lies outside your jurisdiction.")

# How to narrow the choices of a foreign key to a model that has no `region_code` column
# (regions and grids by their own code; accounts registers users). Keyed by model label.
_RELATED_SCOPES: dict[str, Callable[[QuerySet, object], QuerySet]] = {}


def register_related_scope(label: str, narrow: Callable[[QuerySet, object], QuerySet]) -> None:
    """Say how a scoped admin's choices of `label` rows are narrowed to its jurisdiction."""
    _RELATED_SCOPES[label] = narrow


def related_choices(model, actor) -> QuerySet | None:
    """The rows of `model` a scoped administrator may pick in a form; None = no narrowing
    (global configuration such as categories), and always None for a superuser."""
    if actor.is_superuser:
        return None
    qs = model._default_manager.all()
    narrow = _RELATED_SCOPES.get(model._meta.label)
    if narrow is not None:
        return narrow(qs, actor)
    if any(f.name == "region_code" for f in model._meta.concrete_fields):
        return scoped(qs, actor)
    return None


register_related_scope("regions.Region", lambda qs, actor: scoped(qs, actor, field="code"))
register_related_scope("regions.Grid", lambda qs, actor: scoped(qs, actor, field="code"))


def is_config_admin(user) -> bool:
    """Superusers, and staff accounts with the admin role (scoped to their jurisdiction)."""
    return user.is_active and (user.is_superuser or (user.is_staff and user.role == Role.ADMIN))


def is_superuser(user) -> bool:
    return user.is_active and user.is_superuser


class ScopedChoicesMixin(_BaseAdmin):
    """Foreign-key and many-to-many choices narrowed to the administrator's jurisdiction.

    The narrowed queryset is also what the form validates a posted id against, so a
    crafted POST naming a row outside the jurisdiction is refused, not only hidden."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            choices = related_choices(db_field.remote_field.model, request.user)
            if choices is not None:
                kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            choices = related_choices(db_field.remote_field.model, request.user)
            if choices is not None:
                kwargs["queryset"] = choices
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class AuditedAdmin(_ModelAdmin):
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
    """Configuration pages: administrators read and change; only superusers delete.

    A service called by a save that refuses (a DomainError) rolls the save back and shows
    its message on the page, instead of a server error."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            self.message_user(request, str(exc.message), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

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


class GlobalConfigAdmin(ConfigAdmin):
    """Configuration that holds for every jurisdiction (categories, SLA rules, the calendar,
    Open311 clients): scoped administrators read it, only superusers change it."""

    def has_add_permission(self, request):
        return is_superuser(request.user)

    def has_change_permission(self, request, obj=None):
        return is_superuser(request.user)


class ScopedAdmin(ScopedChoicesMixin, ConfigAdmin):
    """Shows and edits only rows inside the admin's jurisdiction (by `scope_field`).

    For a scoped administrator the list and the object pages start from the narrowed
    queryset, every foreign key offers (and accepts) only rows inside the jurisdiction,
    and a save whose own `scope_field` would lie outside it is refused by the form."""

    scope_field = "region_code"

    def get_queryset(self, request):
        return scoped(super().get_queryset(request), request.user, field=self.scope_field)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if request.user.is_superuser:
            return form
        return scoped_form(form, request.user, self.scope_field)


def scoped_form(form_class, actor, scope_field: str):
    """`form_class` refusing an instance whose `scope_field` lies outside the actor's area.

    When the field is not on the form its value is not typed: it is the stored one (the
    row was found through the scoped queryset) or the service derives it from a foreign
    key, whose choices are narrowed."""

    class ScopedForm(form_class):
        def _post_clean(self):
            super()._post_clean()
            if scope_field not in self.fields:
                return
            if not code_within(actor, getattr(self.instance, scope_field, "") or ""):
                self.add_error(None, OUTSIDE_JURISDICTION)

    ScopedForm.__name__ = form_class.__name__
    return ScopedForm


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
class WorkdayOverrideAdmin(GlobalConfigAdmin):
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
