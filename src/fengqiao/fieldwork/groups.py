"""Household groups (十户联防/联户) and the elections of their heads.

Centre staff, grid chiefs and administrators shape the groups inside their jurisdiction:
create one from 5–50 households of one grid, add and remove households, split one into two,
merge two of the same grid, dissolve one. An election records the candidates and their votes
and sets the group's head and deputies in the registry in the same transaction. Every write
leaves one audit row; an id outside the actor's reach is "not found"."""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from fengqiao.core import clock
from fengqiao.core.audit import audit_record
from fengqiao.core.errors import NotAllowed, NotFound, ValidationFailed
from fengqiao.core.roles import Role, has_role
from fengqiao.core.scoping import enclosing_codes
from fengqiao.fieldwork.models import ElectedAs, ElectionCandidate, GroupElection
from fengqiao.regions.models import Grid
from fengqiao.registry.models import Household, HouseholdGroup, Person

GROUP_ROLES = frozenset({Role.CENTRE_STAFF, Role.GRID_CHIEF, Role.ADMIN})
MIN_SIZE, MAX_SIZE = HouseholdGroup.MIN_HOUSEHOLDS, HouseholdGroup.MAX_HOUSEHOLDS
TERM_YEARS = 3
MAX_DEPUTIES = 2
MAX_CANDIDATES = 20
VOTES_PER_HOUSEHOLD = 10  # a household may cast at most this many votes in all


@dataclass(frozen=True)
class Candidate:
    person_id: int
    votes: int
    elected_as: str = ElectedAs.NONE
    party_member: bool = False
    retired_cadre: bool = False
    veteran: bool = False
    clan_elder: bool = False
    other: str = ""


def _allowed(actor) -> None:
    if not has_role(actor, GROUP_ROLES):
        raise NotAllowed(_("Only centre staff and grid chiefs shape household groups."))


def group_get(actor, group_id: int, *, lock: bool = False) -> HouseholdGroup:
    groups = HouseholdGroup.objects.visible_to(actor).select_related("grid", "head")
    if lock:  # the group's row only: PostgreSQL cannot lock the nullable side of the head join
        groups = groups.select_for_update(of=("self",))
    group = groups.filter(pk=group_id).first()
    if group is None:
        raise NotFound(_("No such household group in your area."), field="group")
    return group


def _households(actor, ids, *, field: str = "households") -> list[Household]:
    try:
        wanted = sorted({int(pk) for pk in ids})
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(_("Choose households."), field=field) from exc
    if field == "households":
        _check_size(len(wanted))
    found = list(Household.objects.visible_to(actor).select_for_update().filter(pk__in=wanted))
    if len(found) != len(wanted):
        raise NotFound(_("A household is not in your area."), field=field)
    return found


def grid_of(household: Household) -> Grid | None:
    """The top-level grid (网格) the household lies in; its micro-grid is below it."""
    return (
        Grid.objects.filter(code__in=enclosing_codes(household.region_code), parent__isnull=True)
        .order_by("-depth")
        .first()
    )


def _check_size(count: int, field: str = "households") -> None:
    if not MIN_SIZE <= count <= MAX_SIZE:
        raise ValidationFailed(
            _("A household group has %(low)d to %(high)d households.")
            % {"low": MIN_SIZE, "high": MAX_SIZE},
            field=field,
        )


def _same_grid(households: list[Household], grid: Grid) -> None:
    for household in households:
        if not household.region_code.startswith(grid.code):
            raise ValidationFailed(
                _("All households of a group lie in one grid."), field="households"
            )


def _free(households: list[Household], group: HouseholdGroup | None = None) -> None:
    for household in households:
        if household.group_id is not None and (group is None or household.group_id != group.pk):
            raise ValidationFailed(
                _("Household %(number)s is already in another group.")
                % {"number": household.number},
                field="households",
            )


def _next_code(grid: Grid) -> str:
    codes = HouseholdGroup.objects.filter(grid=grid, code__startswith=f"{grid.code}-")
    serial = 1
    last = codes.aggregate(m=Max("code"))["m"]
    if last and last.rsplit("-", 1)[-1].isdigit():
        serial = int(last.rsplit("-", 1)[-1]) + 1
    return f"{grid.code}-{serial:03d}"


def _name(name: str, field: str = "name") -> str:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed(_("Give the group a name (up to 100 characters)."), field=field)
    return name


def _new_group(grid: Grid, name: str, households: list[Household]) -> HouseholdGroup:
    group = HouseholdGroup.objects.create(
        code=_next_code(grid), name=name, region_code=grid.code, grid=grid
    )
    Household.objects.filter(pk__in=[h.pk for h in households]).update(group=group)
    return group


def group_create(*, actor, name: str, household_ids) -> HouseholdGroup:
    """A new group of 5–50 households of one grid, none of them in a group yet."""
    _allowed(actor)
    name = _name(name)
    with transaction.atomic():
        households = _households(actor, household_ids)
        grid = grid_of(households[0])
        if grid is None:
            raise ValidationFailed(_("The households lie in no grid."), field="households")
        _same_grid(households, grid)
        _free(households)
        group = _new_group(grid, name, households)
        audit_record(
            actor=actor,
            entity=group,
            action="create",
            changes={"name": [None, name], "households": [None, len(households)]},
        )
    return group


def group_change(*, actor, group_id: int, add=(), remove=()) -> HouseholdGroup:
    """Add households to a group and take others out; it keeps 5–50 households."""
    _allowed(actor)
    with transaction.atomic():
        group = group_get(actor, group_id, lock=True)
        adding = _households(actor, add, field="add")
        removing = _households(actor, remove, field="remove")
        _same_grid(adding, group.grid)
        _free(adding, group)
        if any(h.group_id != group.pk for h in removing):
            raise ValidationFailed(_("That household is not in this group."), field="remove")
        before = group.households.count()
        after = before + sum(h.group_id != group.pk for h in adding) - len(removing)
        _check_size(after, "add" if adding else "remove")
        Household.objects.filter(pk__in=[h.pk for h in adding]).update(group=group)
        Household.objects.filter(pk__in=[h.pk for h in removing]).update(group=None)
        _drop_leaders_who_left(group)
        audit_record(
            actor=actor,
            entity=group,
            action="update",
            changes={
                "households": [before, after],
                "added": [None, [h.number for h in adding]],
                "removed": [None, [h.number for h in removing]],
            },
        )
    return group


def _drop_leaders_who_left(group: HouseholdGroup) -> None:
    """A head or deputy whose household left the group no longer leads it."""
    stays = Person.objects.filter(household__group=group)
    if group.head_id and not stays.filter(pk=group.head_id).exists():
        group.head = None
        group.save(update_fields=["head"])
    gone = group.deputies.exclude(pk__in=stays.values("pk"))
    if gone.exists():
        group.deputies.remove(*gone)


def group_split(*, actor, group_id: int, household_ids, name: str) -> HouseholdGroup:
    """Move `household_ids` of the group into a new group `name`; both keep 5–50."""
    _allowed(actor)
    name = _name(name)
    with transaction.atomic():
        group = group_get(actor, group_id, lock=True)
        moving = _households(actor, household_ids)
        if any(h.group_id != group.pk for h in moving):
            raise ValidationFailed(_("That household is not in this group."), field="households")
        before = group.households.count()
        _check_size(len(moving))
        _check_size(before - len(moving))
        new = _new_group(group.grid, name, moving)
        _drop_leaders_who_left(group)
        audit_record(
            actor=actor,
            entity=group,
            action="split",
            changes={"households": [before, before - len(moving)], "into": [None, new.code]},
        )
    return new


def group_merge(*, actor, group_id: int, other_id: int) -> HouseholdGroup:
    """Move the other group's households into this one (same grid, at most 50 in all) and
    dissolve the other."""
    _allowed(actor)
    with transaction.atomic():
        group = group_get(actor, group_id, lock=True)
        if group_id == other_id:
            raise ValidationFailed(_("Choose another group to merge."), field="other")
        try:
            other = group_get(actor, other_id, lock=True)
        except NotFound as exc:
            raise NotFound(exc.message, field="other") from exc
        if other.grid_id != group.grid_id:
            raise ValidationFailed(_("Only groups of the same grid merge."), field="other")
        mine, theirs = group.households.count(), other.households.count()
        _check_size(mine + theirs, "other")
        other.households.update(group=group)
        audit_record(
            actor=actor,
            entity=group,
            action="merge",
            changes={"households": [mine, mine + theirs], "merged": [None, other.code]},
        )
        _delete(actor, other)
    return group


def _delete(actor, group: HouseholdGroup) -> None:
    group.households.update(group=None)
    audit_record(actor=actor, entity=group, action="delete", changes={"code": [group.code, None]})
    if group.elections.exists() or group.meetings.exists():
        group.name = f"{group.name}（已撤销）"[:100]
        group.head = None
        group.save(update_fields=["name", "head"])
        group.deputies.clear()
        return
    group.delete()


def group_dissolve(*, actor, group_id: int) -> None:
    """The group's households are free again; a group with a history keeps its record."""
    _allowed(actor)
    with transaction.atomic():
        _delete(actor, group_get(actor, group_id, lock=True))


def _candidates(group: HouseholdGroup, candidates: list[Candidate], households: int):
    if not candidates:
        raise ValidationFailed(_("Give the candidates."), field="candidates")
    if len(candidates) > MAX_CANDIDATES:
        raise ValidationFailed(_("Too many candidates."), field="candidates")
    ids = [c.person_id for c in candidates]
    if len(set(ids)) != len(ids):
        raise ValidationFailed(_("A candidate is listed twice."), field="candidates")
    people = {p.pk: p for p in Person.objects.filter(pk__in=ids, household__group=group)}
    if len(people) != len(ids):
        raise ValidationFailed(_("Candidates live in the group's households."), field="candidates")
    for c in candidates:
        if not 0 <= c.votes <= households * VOTES_PER_HOUSEHOLD:
            raise ValidationFailed(_("The votes are out of range."), field="votes")
        if c.elected_as not in ElectedAs.values:
            raise ValidationFailed(_("Choose head, deputy or not elected."), field="elected_as")
        if len(c.other) > 100:
            raise ValidationFailed(_("The background is too long."), field="other")
    heads = [c for c in candidates if c.elected_as == ElectedAs.HEAD]
    deputies = [c for c in candidates if c.elected_as == ElectedAs.DEPUTY]
    if len(heads) != 1:
        raise ValidationFailed(_("Exactly one candidate is elected head."), field="elected_as")
    if len(deputies) > MAX_DEPUTIES:
        raise ValidationFailed(_("At most two deputies are elected."), field="elected_as")
    return people, heads[0], deputies


def years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def election_record(
    *,
    actor,
    group_id: int,
    held_on: date,
    turnout: int,
    candidates: list[Candidate],
    term_ends: date | None = None,
) -> GroupElection:
    """Record an election of the group's head and deputies, and make them so."""
    _allowed(actor)
    today = clock.localdate()
    if held_on > today:
        raise ValidationFailed(_("An election cannot be in the future."), field="held_on")
    if held_on.year < today.year - TERM_YEARS:
        raise ValidationFailed(_("That election is too long ago."), field="held_on")
    term_ends = term_ends or years_later(held_on, TERM_YEARS)
    if not held_on < term_ends <= years_later(held_on, 5):
        raise ValidationFailed(_("A term ends within five years."), field="term_ends")
    with transaction.atomic():
        group = group_get(actor, group_id, lock=True)
        households = group.households.count()
        if not 0 <= turnout <= households:
            raise ValidationFailed(
                _("The turnout is at most the number of households."), field="turnout"
            )
        people, head, deputies = _candidates(group, candidates, households)
        election = GroupElection.objects.create(
            group=group,
            region_code=group.region_code,
            held_on=held_on,
            term_ends=term_ends,
            turnout=turnout,
            recorded_by=actor,
            created_at=clock.now(),
        )
        ElectionCandidate.objects.bulk_create(
            [
                ElectionCandidate(
                    election=election,
                    person=people[c.person_id],
                    votes=c.votes,
                    elected_as=c.elected_as,
                    party_member=c.party_member,
                    retired_cadre=c.retired_cadre,
                    veteran=c.veteran,
                    clan_elder=c.clan_elder,
                    other=c.other.strip(),
                )
                for c in candidates
            ]
        )
        before = {
            "head": group.head_id,
            "deputies": sorted(group.deputies.values_list("pk", flat=True)),
        }
        group.head = people[head.person_id]
        group.save(update_fields=["head"])
        group.deputies.set([people[c.person_id] for c in deputies])
        audit_record(
            actor=actor,
            entity=election,
            action="create",
            changes={
                "group": [None, group.code],
                "head": [before["head"], head.person_id],
                "deputies": [before["deputies"], sorted(c.person_id for c in deputies)],
                "candidates": [None, len(candidates)],
            },
        )
    return election
