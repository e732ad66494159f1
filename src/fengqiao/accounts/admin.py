"""Admin for accounts and their jurisdiction bindings, scoped for area administrators.

Superusers see Django's full user admin. An administrator bound to an area sees only the
accounts `administration.users_administered_by` gives it, without the staff, superuser,
group and permission fields, may grant only the roles below its own, and may bind accounts
only to regions and grids inside its area: each of these is enforced by the form and the
save, not only by what the page offers (docs/security.md).
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from fengqiao.accounts.administration import (
    GRANTABLE_ROLES,
    may_bind,
    may_grant_role,
    users_administered_by,
    users_inside,
)
from fengqiao.accounts.models import JurisdictionBinding, User
from fengqiao.accounts.services import user_bind, user_region_code, user_unbind
from fengqiao.core.admin import (
    AuditedAdmin,
    ScopedChoicesMixin,
    is_config_admin,
    register_related_scope,
)
from fengqiao.core.audit import audit_record
from fengqiao.core.roles import Role
from fengqiao.regions.models import Region

register_related_scope("accounts.User", users_inside)

SCOPED_FIELDSETS = (
    (None, {"fields": ("username", "password")}),
    (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
    ("fengqiao", {"fields": ("role", "display_name", "person", "is_active")}),
)
# Adding an account sets its role (and person) at once, for superusers too: an account
# added with the password alone would be an active resident without a person record.
ADD_FIELDSETS = (
    (None, {"fields": ("username", "usable_password", "password1", "password2")}),
    ("fengqiao", {"fields": ("role", "display_name", "person")}),
)


def _account_form(form_class):
    """`form_class` refusing an active resident account without a person record (the
    database refuses it too, with a server error)."""

    class AccountForm(form_class):
        def clean(self):
            cleaned = super().clean()
            instance = self.instance

            def value(name):
                return cleaned.get(name) if name in self.fields else getattr(instance, name)

            if value("role") == Role.RESIDENT and value("person") is None and value("is_active"):
                message = _("A resident account needs a person record.")
                self.add_error("person" if "person" in self.fields else None, message)
            return cleaned

    AccountForm.__name__ = form_class.__name__
    return AccountForm


def _binding_code(target) -> str:
    return target.prefix if isinstance(target, Region) else target.code


class ScopedBindingFormSet(BaseInlineFormSet):
    """For a scoped administrator: a staff account keeps at least one binding inside the
    area and a resident account has none (a resident is placed by their person record)."""

    actor = None

    def clean(self):
        super().clean()
        if self.actor is None or self.actor.is_superuser or any(self.errors):
            return
        kept = [
            form
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and (form.cleaned_data.get("region") or form.cleaned_data.get("grid"))
        ]
        if self.instance.role == Role.RESIDENT and kept:
            raise ValidationError(_("A resident account has no jurisdiction binding."))
        if self.instance.role != Role.RESIDENT and not kept:
            raise ValidationError(_("A staff account needs a jurisdiction."))


class BindingInline(ScopedChoicesMixin, admin.TabularInline):
    model = JurisdictionBinding
    formset = ScopedBindingFormSet
    extra = 0
    raw_id_fields = ("region", "grid")
    readonly_fields = ("code",)

    # The parent page decides who gets here; the inline follows it (a scoped administrator
    # holds no Django model permissions).
    def has_view_permission(self, request, obj=None):
        return is_config_admin(request.user)

    def has_add_permission(self, request, obj=None):
        return is_config_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return is_config_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_config_admin(request.user)

    def get_extra(self, request, obj=None, **kwargs):
        return 0 if obj is not None else 1

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.actor = request.user
        return formset


@admin.register(User)
class FengqiaoUserAdmin(AuditedAdmin, ScopedChoicesMixin, UserAdmin):
    list_display = ("username", "display_name", "role", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = (
        *UserAdmin.fieldsets,
        ("fengqiao", {"fields": ("role", "display_name", "person")}),
    )
    raw_id_fields = ("person",)
    add_fieldsets = ADD_FIELDSETS
    inlines = [BindingInline]

    def get_queryset(self, request):
        return users_administered_by(request.user, super().get_queryset(request))

    def get_fieldsets(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_fieldsets(request, obj)
        return SCOPED_FIELDSETS if obj is not None else ADD_FIELDSETS

    def get_form(self, request, obj=None, **kwargs):
        return _account_form(super().get_form(request, obj, **kwargs))

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role" and not request.user.is_superuser:
            kwargs["choices"] = [(v, label) for v, label in Role.choices if v in GRANTABLE_ROLES]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def has_module_permission(self, request):
        return is_config_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_config_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return is_config_admin(request.user)

    def has_add_permission(self, request):
        return is_config_admin(request.user)

    def save_model(self, request, obj, form, change):
        actor = request.user
        if not actor.is_superuser:
            # The form offers none of this; a crafted request still never gets through.
            if obj.pk == actor.pk or not may_grant_role(actor, obj.role):
                raise PermissionDenied
            obj.is_superuser = False
            obj.is_staff = False
        elif not change and obj.role == Role.ADMIN:
            obj.is_staff = True  # as `fengqiao createuser` does: an admin signs in to /admin/
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        if formset.model is not JurisdictionBinding:
            super().save_formset(request, form, formset, change)
            return
        actor = request.user
        # The binding's prefix code is derived from its target by the service, never typed in.
        for binding in formset.save(commit=False):
            target = binding.region or binding.grid
            if not actor.is_superuser and not may_bind(actor, _binding_code(target)):
                raise PermissionDenied
            if binding.pk:  # a changed row: its old code goes, the new one is bound
                old = JurisdictionBinding.objects.filter(pk=binding.pk).first()
                if old is not None:
                    user_unbind(actor=actor, binding=old)
            user_bind(user=form.instance, target=target, actor=actor)
        for obj in formset.deleted_objects:
            user_unbind(actor=request.user, binding=obj)

    def audit_region(self, obj) -> str:
        return user_region_code(obj)

    def user_change_password(self, request, id, form_url=""):
        """Django's set-password page; a password set here is audited (never the password)."""
        with transaction.atomic():
            stored = User.objects.filter(pk=id).first() if str(id).isdigit() else None
            response = super().user_change_password(request, id, form_url)
            if stored is not None:
                changed = User.objects.filter(pk=stored.pk).exclude(password=stored.password)
                if changed.exists():
                    audit_record(
                        actor=request.user,
                        entity=stored,
                        action="password_reset",
                        changes={"password": ["***", "***"]},
                        reason=self.audit_reason,
                        region_code=user_region_code(stored),
                    )
        return response
