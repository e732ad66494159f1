"""The duties of a group head (联户长) on the phone: relay a household's report as a case,
and confirm who came to a group meeting. (Visits go through services.visit_record, which
takes the group head's role; broadcasts through broadcasts.receipt_mark.) Only the head or
a deputy of the household's group, inside their jurisdiction, may do them."""

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from fengqiao.cases.intake import case_report
from fengqiao.cases.models import Case, Category, Channel
from fengqiao.core import clock
from fengqiao.core.audit import audit_record
from fengqiao.core.errors import NotFound, ValidationFailed
from fengqiao.fieldwork import groups_selectors
from fengqiao.fieldwork.models import GroupMeeting
from fengqiao.registry.models import Household, HouseholdGroup

LATE_DAYS = 30  # a meeting may be confirmed this long after
MAX_TOPIC = 200


def led_group(actor, group_id: int) -> HouseholdGroup:
    group = groups_selectors.led_groups(actor=actor).filter(pk=group_id).first()
    if group is None:
        raise NotFound(_("You lead no such household group."), field="group")
    return group


def group_report(
    *,
    actor,
    group_id: int,
    household_id: int,
    category: str,
    title: str,
    description: str = "",
    client_id: str | None = None,
) -> Case:
    """Report a household's problem as a case, by the head of its group (channel: grid app),
    placed at the household's dwelling, its head linked."""
    group = led_group(actor, group_id)
    household = (
        Household.objects.visible_to(actor)
        .select_related("dwelling", "head")
        .filter(pk=household_id, group=group)
        .first()
    )
    if household is None:
        raise NotFound(_("No such household in your group."), field="household_id")
    found = Category.objects.filter(code=category, is_active=True, parent__isnull=False).first()
    if found is None:
        raise ValidationFailed(_("Choose a category."), field="category")
    title = (title or "").strip()
    if not title or len(title) > 120:
        raise ValidationFailed(_("Give the case a title."), field="title")
    dwelling = household.dwelling
    name = household.head.name if household.head_id else household.number
    return case_report(
        actor=actor,
        category=found,
        title=title,
        description=(description or "").strip()[:4000],
        channel=Channel.GRID_APP,
        lat=dwelling.lat if dwelling else None,
        lng=dwelling.lng if dwelling else None,
        address=dwelling.address if dwelling else "",
        reporter_name=_("%(head)s for the household of %(name)s")
        % {"head": actor.label, "name": name},
        client_id=(client_id or "").strip()[:64] or None,
        people=[household.head_id] if household.head_id else [],
    )


def meeting_record(
    *,
    actor,
    group_id: int,
    held_on: date,
    topic: str,
    attended=(),
    client_id: str | None = None,
) -> GroupMeeting:
    """Confirm a group meeting and the households that came; the same client id again
    returns the first record."""
    group = led_group(actor, group_id)
    client_id = (client_id or "").strip()[:64] or None
    if client_id:
        earlier = GroupMeeting.objects.filter(recorded_by=actor, client_id=client_id).first()
        if earlier is not None:
            return earlier
    today = clock.localdate()
    if held_on > today:
        raise ValidationFailed(_("A meeting cannot be in the future."), field="held_on")
    if held_on < today - timedelta(days=LATE_DAYS):
        raise ValidationFailed(
            _("A meeting older than 30 days cannot be confirmed."), field="held_on"
        )
    topic = (topic or "").strip()
    if not topic or len(topic) > MAX_TOPIC:
        raise ValidationFailed(_("Give the topic of the meeting."), field="topic")
    ids = {int(pk) for pk in attended}
    came = list(group.households.filter(pk__in=ids))
    if len(came) != len(ids):
        raise ValidationFailed(_("Only the group's households attend."), field="attended")
    try:
        with transaction.atomic():
            meeting = GroupMeeting.objects.create(
                group=group,
                region_code=group.region_code,
                held_on=held_on,
                topic=topic,
                recorded_by=actor,
                client_id=client_id,
                created_at=clock.now(),
            )
            meeting.attended.set(came)
            audit_record(
                actor=actor,
                entity=meeting,
                action="create",
                changes={"topic": [None, topic], "attended": [None, len(came)]},
            )
    except IntegrityError:  # the same client id, sent twice at once
        earlier = GroupMeeting.objects.filter(recorded_by=actor, client_id=client_id).first()
        if earlier is None:
            raise
        return earlier
    return meeting
