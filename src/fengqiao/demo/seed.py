"""`seed()`: load the deterministic demo data set in one transaction: the county's places and
people (`demo.county`), the demo accounts, case handling, mediation committees, notices, and
a year of cases, disputes and petitions (`demo.cases`, `demo.mediation`)."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from fengqiao.demo import COUNTY_CODE, DEFAULT_SEED, Progress
from fengqiao.demo.accounts import DemoAccount, create_demo_accounts, demo_account_rows
from fengqiao.demo.cases.setup import seed_case_history, setup_case_handling
from fengqiao.demo.county.builder import CountyBuilder
from fengqiao.demo.fieldwork import seed_visits
from fengqiao.demo.fieldwork_campaigns import seed_campaigns
from fengqiao.demo.fieldwork_care import seed_care
from fengqiao.demo.fieldwork_groups import seed_groups
from fengqiao.demo.fieldwork_helpplans import seed_helpplans
from fengqiao.demo.fieldwork_patrols import seed_patrols
from fengqiao.demo.mediation.committees import setup_mediation
from fengqiao.demo.notices import seed_notices
from fengqiao.demo.scales import SCALES
from fengqiao.regions.gazetteer import gazetteer_rebuild
from fengqiao.regions.models import Region

__all__ = ["SeedStats", "seed"]


def _seed_fieldwork(builder, seed: int) -> None:
    """A year of the first village's fieldwork beside its visits, through the services."""
    builder.progress("a year of patrols and two 红袖标 teams")
    builder.counts["patrols"] = seed_patrols(seed=seed)
    builder.progress("care records")
    builder.counts["care needs"] = seed_care(seed=seed)
    builder.progress("two campaigns")
    builder.counts["campaign items"] = seed_campaigns(seed=seed)
    builder.progress("household-group elections, broadcasts and party members")
    builder.counts.update(seed_groups(seed=seed))
    builder.progress("help plans of key people")
    builder.counts["help_contacts"] = seed_helpplans(seed=seed)


_COUNT_LABELS = (
    ("regions", "regions"),
    ("grids", "grids"),
    ("micro_grids", "micro-grids"),
    ("household_groups", "household groups"),
    ("dwellings", "dwellings"),
    ("households", "households"),
    ("people", "people"),
    ("person_tags", "person tags"),
    ("organizations", "organisations"),
    ("places", "places"),
    ("facilities", "facilities"),
    ("roads", "road pieces"),
    ("gazetteer entries", "gazetteer entries"),
    ("users", "users"),
    ("committees", "mediation committees"),
    ("mediators", "mediators"),
    ("notices", "notices"),
    ("visits", "household visits"),
)


@dataclass
class SeedStats:
    """What one `seed()` call created (nothing when the demo county was already there)."""

    scale: str
    seed: int
    already_seeded: bool = False
    counts: Counter = field(default_factory=Counter)
    elapsed_seconds: float = 0.0
    accounts: list[DemoAccount] = field(default_factory=list)

    def lines(self) -> list[str]:
        if self.already_seeded:
            return [f"The demo county ({COUNTY_CODE[:6]}) is already loaded; nothing changed."]
        lines = [f"Seeded scale {self.scale!r} (seed {self.seed}) in {self.elapsed_seconds:.1f} s:"]
        lines += [f"  {label:<21}{self.counts[key]:>10,}" for key, label in _COUNT_LABELS]
        return lines


def seed(
    scale: str = "small", *, seed: int = DEFAULT_SEED, progress: Progress | None = None
) -> SeedStats:
    """Load the demo data set at `scale` ("small", "county" or "city"); deterministic per seed.

    Idempotent: when the demo county already exists nothing is written and the stats say so.
    Everything is written in one transaction, so an interrupted run leaves nothing behind.
    """
    from fengqiao.regions.locator import grids_changed

    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; use one of {', '.join(SCALES)}")
    stats = SeedStats(scale=scale, seed=seed)
    if Region.objects.filter(code=COUNTY_CODE).exists():
        stats.already_seeded = True
        stats.accounts = demo_account_rows()
        return stats
    started = time.monotonic()
    builder = CountyBuilder(SCALES[scale], seed, progress)
    with transaction.atomic():
        builder.run()
        builder.progress("gazetteer")
        builder.counts["gazetteer entries"] = gazetteer_rebuild()
        builder.progress("demo accounts")
        before = len(demo_account_rows())
        stats.accounts = create_demo_accounts(seed=seed)
        builder.counts["handling units"] = setup_case_handling()
        builder.progress("mediation committees and mediators")
        mediation = setup_mediation(seed=seed)
        builder.counts["committees"] = mediation["committees"]
        builder.counts["mediators"] = mediation["mediators"]
        builder.counts["users"] += len(stats.accounts) - before + mediation["accounts"]
        builder.progress("notices")
        builder.counts["notices"] = seed_notices(seed=seed)
        seed_case_history(scale, seed, progress=builder.progress)
        if getattr(settings, "FENGQIAO_DEMO_CASE_HISTORY", True):
            builder.progress("a year of household visits")
            builder.counts["visits"] = seed_visits(seed=seed)
            # The rest of fieldwork raises cases of its own (patrol and campaign problems, a
            # head's relayed reports): FENGQIAO_DEMO_FIELDWORK=False keeps the case history
            # alone for the tests that check it.
            if getattr(settings, "FENGQIAO_DEMO_FIELDWORK", True):
                _seed_fieldwork(builder, seed)
    # Rebuild this process's locator now (it reads through this connection, so it sees the
    # grids even inside a caller's transaction) and tell the others once that commits.
    grids_changed()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(grids_changed)
    stats.counts = builder.counts
    stats.elapsed_seconds = time.monotonic() - started
    return stats
