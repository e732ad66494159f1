"""Admin for mediation organisations: committees and mediators (added through the services,
so a committee always has its handling unit). Disputes and petitions change only through
the workflow."""

from django.contrib import admin

from fengqiao.core.admin import ScopedAdmin
from fengqiao.mediation.committees import committee_create, mediator_add
from fengqiao.mediation.models import Dispute, MediationCommittee, Mediator, Petition


@admin.register(MediationCommittee)
class MediationCommitteeAdmin(ScopedAdmin):
    list_display = ("name", "kind", "region_code", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "region_code")
    raw_id_fields = ("region",)
    fields = ("name", "kind", "region", "specialities", "address", "is_active")

    def get_readonly_fields(self, request, obj=None):
        return ("kind", "region") if obj else ()

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        created = committee_create(
            actor=request.user,
            name=obj.name,
            kind=obj.kind,
            region=obj.region,
            specialities=obj.specialities,
            address=obj.address,
        )
        obj.pk, obj.unit_id, obj.region_code = created.pk, created.unit_id, created.region_code


@admin.register(Mediator)
class MediatorAdmin(ScopedAdmin):
    list_display = ("name", "committee", "background", "is_expert", "is_active")
    list_filter = ("background", "is_expert", "is_active")
    search_fields = ("name", "committee__name")
    raw_id_fields = ("user", "committee")
    fields = ("user", "committee", "name", "background", "specialities", "is_expert", "is_active")

    def get_readonly_fields(self, request, obj=None):
        return ("user", "committee") if obj else ()

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        created = mediator_add(
            actor=request.user,
            committee=obj.committee,
            user=obj.user,
            name=obj.name,
            background=obj.background,
            specialities=obj.specialities,
            is_expert=obj.is_expert,
        )
        obj.pk, obj.region_code = created.pk, created.region_code


class ReadOnlyScopedAdmin(ScopedAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyScopedAdmin):
    list_display = ("case", "dispute_type", "risk_grade", "source", "outcome")
    list_filter = ("dispute_type", "risk_grade", "source", "outcome")


@admin.register(Petition)
class PetitionAdmin(ReadOnlyScopedAdmin):
    list_display = ("case", "form", "petitioner_name", "acknowledge_due_at", "reply_due_at")
    list_filter = ("form",)
