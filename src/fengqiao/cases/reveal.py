"""Revealing a case's callback phone: only to the roles that handle the case, always logged."""

from django.utils.translation import gettext_lazy as _

from fengqiao.cases.models import Case
from fengqiao.core import clock, crypto
from fengqiao.core.errors import NotAllowed, ValidationFailed
from fengqiao.core.models import AccessLog
from fengqiao.core.roles import Role
from fengqiao.core.scoping import code_within


def may_reveal_callback_phone(actor, case: Case) -> bool:
    """Centre staff (and administrators) of the case's jurisdiction, its assignee and the
    members of its unit."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    if actor.role == Role.RESIDENT:
        return False
    if case.assignee_id == actor.pk:
        return True
    if case.unit is not None and case.unit.members.filter(pk=actor.pk).exists():
        return True
    return actor.role in (Role.CENTRE_STAFF, Role.ADMIN) and code_within(actor, case.region_code)


def case_reveal_callback_phone(*, actor, case: Case, ip: str | None = None) -> str:
    """The full callback phone of a case the actor can see (the caller looked it up through
    the actor's selector); every reveal is written to the access log."""
    if not case.callback_phone_sealed:
        raise ValidationFailed(_("This case has no callback phone."), field="field")
    if not may_reveal_callback_phone(actor, case):
        raise NotAllowed(_("Your role may not reveal this case's callback phone."))
    value = crypto.open_field(case, "callback_phone_sealed")
    AccessLog.objects.create(
        actor=actor,
        action=AccessLog.Action.REVEAL,
        object_type="case",
        object_id=str(case.pk),
        field="callback_phone",
        detail=case.code[:255],
        region_code=case.region_code,
        ip=ip,
        at=clock.now(),
    )
    return value
