"""Admin for the case configuration: categories, SLA rules, handling units, Open311 clients.

Cases and their events are not editable here: every write goes through the services.
Categories, SLA rules and Open311 clients hold for every jurisdiction, so only superusers
change them (an Open311 client acts as its user: choosing that user is a grant of power).
"""

from django.contrib import admin

from fengqiao.accounts.administration import register_outside_reach
from fengqiao.cases.models import (
    Case,
    Category,
    HandlingUnit,
    Open311Client,
    RoutingRule,
    SlaRule,
)
from fengqiao.core.admin import GlobalConfigAdmin, ScopedAdmin
from fengqiao.core.scoping import prefix_q

# A member of a unit outside an administrator's area sees that unit's cases: not the
# administrator's account to manage (accounts.administration).
register_outside_reach(
    lambda prefixes: (
        HandlingUnit.objects.exclude(prefix_q(prefixes))
        .filter(members__isnull=False)
        .values("members")
    )
)


@admin.register(Category)
class CategoryAdmin(GlobalConfigAdmin):
    list_display = ("code", "name", "name_en", "parent", "start_level", "is_active")
    list_filter = ("parent", "start_level", "is_active")
    search_fields = ("code", "name", "name_en", "keywords")


@admin.register(SlaRule)
class SlaRuleAdmin(GlobalConfigAdmin):
    list_display = (
        "category",
        "level",
        "unit",
        "accept_within",
        "claim_within",
        "resolve_within",
        "warn_ratio",
        "escalate_on_breach",
    )
    list_filter = ("level", "unit")


@admin.register(HandlingUnit)
class HandlingUnitAdmin(ScopedAdmin):
    list_display = ("code", "name", "kind", "region_code")
    search_fields = ("code", "name")
    raw_id_fields = ("region",)
    filter_horizontal = ("members", "categories")


@admin.register(RoutingRule)
class RoutingRuleAdmin(ScopedAdmin):
    """Category × place → suggested unit; an administrator keeps the rules of their area
    (a rule's place must lie inside it, and so must its unit)."""

    list_display = ("category", "region_code", "unit", "note")
    list_filter = ("category__parent",)
    search_fields = ("region_code", "unit__name", "category__name", "category__code")
    autocomplete_fields = ("unit",)


@admin.register(Open311Client)
class Open311ClientAdmin(GlobalConfigAdmin):
    list_display = ("name", "acting_user", "is_active")
    readonly_fields = ("key_hash",)


@admin.register(Case)
class CaseAdmin(ScopedAdmin):
    """Read-only: cases change only through the workflow (workbench, app, API)."""

    list_display = ("code", "title", "status", "level", "category", "reported_at")
    list_filter = ("status", "level", "channel")
    search_fields = ("code", "title")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
