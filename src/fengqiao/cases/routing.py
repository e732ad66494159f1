"""Routing (分拨): which handling unit a case should go to, and a warning when it went elsewhere.

The suggestion is the unit of the most specific routing rule (RoutingRule: the longest place
code containing the case; a rule on the category beats one on its group at the same place),
falling back to the units bound to the category (`Category.units`), the township's before the
county's. Only units the case may be dispatched to count (selectors.unit_choices). The
operator may still choose another unit: the step is taken, the event records
`off_category`, and `case_warnings` tells the page (a message) and the API (`warnings`).
"""

from django.utils.translation import gettext_lazy as _

from fengqiao.cases import selectors
from fengqiao.cases.models import Case, HandlingUnit, RoutingRule, Status
from fengqiao.core.scoping import enclosing_codes

# Where the unit a case is with is the operator's choice (dispatched or claimed).
SENT_STATUSES = (Status.DISPATCHED, Status.CLAIMED)


def _categories(case: Case) -> list[int]:
    return [pk for pk in (case.category_id, case.category.parent_id) if pk is not None]


def _rules(case: Case, units: list[HandlingUnit]) -> list[RoutingRule]:
    """The rules that reach `case` and name one of `units`, most specific first."""
    rules = list(
        RoutingRule.objects.filter(
            category_id__in=_categories(case),
            region_code__in=enclosing_codes(case.region_code),
            unit__in=[unit.pk for unit in units],
        ).select_related("unit")
    )
    rules.sort(key=lambda r: (len(r.region_code), r.category_id == case.category_id), reverse=True)
    return rules


def _bound(case: Case, units: list[HandlingUnit]) -> list[HandlingUnit]:
    """The units bound to the case's category, the most local first."""
    handling = set(case.category.units.values_list("pk", flat=True))
    fitting = [unit for unit in units if unit.pk in handling]
    fitting.sort(key=lambda unit: (-len(unit.region_code), unit.code))
    return fitting


def ranked_units(*, actor, case: Case) -> tuple[HandlingUnit | None, list[HandlingUnit]]:
    """(the suggested unit or None, every unit the case can go to in the order a form shows
    them: the suggestion, the other units that handle the category, then the rest). Each
    unit's `handles` says whether it handles the category (bound to it or named by a rule)."""
    units = list(selectors.unit_choices(actor=actor, case=case))
    rules = _rules(case, units)
    bound = _bound(case, units)
    suggested = rules[0].unit if rules else (bound[0] if bound else None)
    handling = {unit.pk for unit in bound} | {rule.unit_id for rule in rules}
    for unit in units:
        unit.handles = unit.pk in handling
    suggested_pk = suggested.pk if suggested is not None else None
    units.sort(key=lambda u: (u.pk != suggested_pk, not u.handles, -len(u.region_code), u.code))
    return suggested, units


def suggested_unit(*, actor, case: Case) -> HandlingUnit | None:
    """The unit the case should go to, or None when nothing handles its category here."""
    return ranked_units(actor=actor, case=case)[0]


def handles(unit: HandlingUnit, case: Case) -> bool:
    """Whether `unit` handles the case's category at its place (bound, or named by a rule)."""
    if case.category.units.filter(pk=unit.pk).exists():
        return True
    return RoutingRule.objects.filter(
        category_id__in=_categories(case),
        region_code__in=enclosing_codes(case.region_code),
        unit=unit,
    ).exists()


def case_warnings(case: Case) -> list[dict]:
    """What the operator should know about where the case went ({code, message}); empty when
    it is with a unit that handles its category, or with no unit."""
    if case.status not in SENT_STATUSES or case.unit is None or handles(case.unit, case):
        return []
    return [
        {
            "code": "unit_off_category",
            "message": str(
                _("%(unit)s does not usually handle %(category)s cases; check the choice.")
                % {"unit": case.unit.name, "category": case.category.name}
            ),
        }
    ]
