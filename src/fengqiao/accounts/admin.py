"""Admin for accounts and their jurisdiction bindings."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from fengqiao.accounts.models import JurisdictionBinding, User
from fengqiao.accounts.services import user_bind
from fengqiao.core.admin import is_config_admin
from fengqiao.core.scoping import scoped


class BindingInline(admin.TabularInline):
    model = JurisdictionBinding
    extra = 0
    raw_id_fields = ("region", "grid")
    readonly_fields = ("code",)


@admin.register(User)
class FengqiaoUserAdmin(UserAdmin):
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
            user_bind(user=form.instance, target=binding.region or binding.grid)
        for obj in formset.deleted_objects:
            obj.delete()
