"""Admin: notices and their log (read only: every write goes through the services)."""

from django.contrib import admin

from fengqiao.core.admin import AuditedAdmin
from fengqiao.participation.models import Notice, NoticeEvent


class NoticeEventInline(admin.TabularInline):
    model = NoticeEvent
    extra = 0
    can_delete = False
    readonly_fields = ["action", "actor", "at", "note"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Notice)
class NoticeAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["title", "category", "status", "region_code", "is_pinned", "published_at"]
    list_filter = ["status", "category", "is_pinned"]
    search_fields = ["title", "region_code"]
    readonly_fields = [f.name for f in Notice._meta.fields]
    inlines = [NoticeEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
