"""Mediation committees (village, township, sector, named rooms, the expert pool) and their
mediators; each committee is a handling unit so disputes move like any case."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fengqiao.cases.models import HandlingUnit
from fengqiao.core.audit import audit_created, audit_record
from fengqiao.core.errors import Conflict, NotAllowed, ValidationFailed
from fengqiao.core.roles import Role, has_role
from fengqiao.core.scoping import code_within
from fengqiao.mediation.models import DisputeType, MediationCommittee, Mediator

MANAGERS = frozenset({Role.ADMIN, Role.CENTRE_STAFF})
MEDIATOR_ROLES = frozenset({Role.MEDIATOR, Role.LEGAL_ADVISOR})


def _specialities(values) -> list[str]:
    values = list(dict.fromkeys(values or []))
    unknown = [v for v in values if v not in DisputeType.values]
    if unknown:
        raise ValidationFailed(
            _("Unknown dispute type: %(type)s.") % {"type": unknown[0]}, field="specialities"
        )
    return values


@transaction.atomic
def committee_create(
    *, actor, name: str, kind: str, region, specialities=(), address: str = ""
) -> MediationCommittee:
    if not has_role(actor, MANAGERS) or not code_within(actor, region.code):
        raise NotAllowed(_("You may not set up committees here."))
    if kind not in MediationCommittee.Kind.values:
        raise ValidationFailed(_("Unknown committee kind."), field="kind")
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("A committee needs a name."), field="name")
    if MediationCommittee.objects.filter(region=region, name=name).exists():
        raise Conflict(_("A committee of this name already exists here."), field="name")
    serial = MediationCommittee.objects.filter(region=region).count() + 1
    # The code prefix it serves (county 6, township 9, village 12 digits), as for any unit.
    unit = HandlingUnit.objects.create(
        code=f"med-{region.code}-{serial:02d}",
        name=name[:80],
        kind="mediation",
        region=region,
        region_code=region.prefix,
    )
    committee = MediationCommittee.objects.create(
        name=name[:80],
        kind=kind,
        region=region,
        region_code=region.prefix,
        unit=unit,
        specialities=_specialities(specialities),
        address=address[:200],
    )
    fields = ["name", "kind", "region", "region_code", "unit", "specialities", "address"]
    audit_record(
        actor=actor, entity=committee, action="create", changes=audit_created(committee, fields)
    )
    return committee


@transaction.atomic
def mediator_add(
    *,
    actor,
    committee: MediationCommittee,
    user,
    name: str = "",
    background: str = Mediator.Background.PEOPLES,
    specialities=(),
    is_expert: bool = False,
) -> Mediator:
    if not has_role(actor, MANAGERS) or not code_within(actor, committee.region_code):
        raise NotAllowed(_("You may not manage this committee."))
    if user.role not in MEDIATOR_ROLES or not user.is_active:
        raise ValidationFailed(
            _("A mediator signs in as a mediator or legal advisor."), field="user"
        )
    if background not in Mediator.Background.values:
        raise ValidationFailed(_("Unknown background."), field="background")
    if Mediator.objects.filter(user=user).exists():
        raise Conflict(_("This person is already a mediator."), field="user")
    committee.unit.members.add(user)
    mediator = Mediator.objects.create(
        user=user,
        committee=committee,
        name=(name or user.label)[:50],
        background=background,
        specialities=_specialities(specialities),
        is_expert=is_expert or committee.kind == MediationCommittee.Kind.EXPERT_POOL,
        region_code=committee.region_code,
    )
    fields = ["user", "committee", "name", "background", "specialities", "is_expert"]
    audit_record(
        actor=actor, entity=mediator, action="create", changes=audit_created(mediator, fields)
    )
    return mediator
