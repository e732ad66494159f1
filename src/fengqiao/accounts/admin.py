"""Admin for accounts and their jurisdiction bindings."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db import transaction

from fengqiao.accounts.models import JurisdictionBinding, User
from fengqiao.accounts.services import user_bind, user_region_code, user_unbind
from fengqiao.core.admin import AuditedAdmin, is_config_admin
from fengqiao.core.audit import audit_record
from fengqiao.core.scoping import scoped


class BindingInline(admin.TabularInline):
    model = JurisdictionBinding
    extra = 0
    raw_id_fields = ("region", "grid")
    readonly_fields = ("code",)


@admin.register(User)
class FengqiaoUserAdmin(AuditedAdmin, UserAdmin):
    list_display = ("username", "display_name", "role", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = (
        *UserAdmin.fieldsets,
        ("fengqiao", {"fields": ("role", "display_name", "person")}),
    )
    raw_id_fields = ("person",)
    inlines = [BindingInline]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        # Users whose bindings lie inside the admin's own jurisdiction.
        inside = scoped(JurisdictionBinding.objects.all(), request.user, field="code")
        return qs.filter(pk__in=inside.values("user_id")).exclude(is_superuser=True)

    def has_module_permission(self, request):
        return is_config_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_config_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return is_config_admin(request.user)

    def has_add_permission(self, request):
        return is_config_admin(request.user)

    def save_formset(self, request, form, formset, change):
        # The binding's prefix code is derived from its target by the service, never typed in.
        for binding in formset.save(commit=False):
            user_bind(user=form.instance, target=binding.region or binding.grid, actor=request.user)
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
