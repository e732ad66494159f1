"""Every kind of registry import, by the name pages, the API and the command use for it."""

from django.utils.translation import gettext as _

from fengqiao.core.errors import ValidationFailed
from fengqiao.registry.imports.specs.base import RowSpec
from fengqiao.registry.imports.specs.households import HOUSEHOLD_GROUPS, HOUSEHOLDS
from fengqiao.registry.imports.specs.located import DWELLINGS, FACILITIES, ORGANIZATIONS, PLACES
from fengqiao.registry.imports.specs.people import PEOPLE

__all__ = ["KINDS", "SPECS", "spec_for"]

# In the order a county loads its registry: dwellings before the people and households in them.
SPECS: dict[str, RowSpec] = {
    spec.kind: spec
    for spec in (
        PEOPLE,
        DWELLINGS,
        HOUSEHOLDS,
        HOUSEHOLD_GROUPS,
        ORGANIZATIONS,
        PLACES,
        FACILITIES,
    )
}
KINDS = tuple(SPECS)


def spec_for(kind: str) -> RowSpec:
    spec = SPECS.get(kind)
    if spec is None:
        raise ValidationFailed(
            _("Unknown kind of import: %(kind)s") % {"kind": str(kind)[:40]},
            code="bad_kind",
            field="kind",
        )
    return spec
