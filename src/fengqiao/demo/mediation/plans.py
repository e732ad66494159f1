"""Plans of the demo mediation history, drawn up front: the parties of a dispute, a dispute's
plan and running state, a petitioner, a petition's plan; and `Life`, the generator each of
them runs as (it does one step and yields when the next one happens)."""

from __future__ import annotations

import random
from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import datetime

from fengqiao.accounts.models import User
from fengqiao.demo.mediation.scenarios import Scenario
from fengqiao.mediation import services as mediation
from fengqiao.mediation.models import Mediator, RiskGrade
from fengqiao.regions.models import Grid, Region

__all__ = ["DisputePlan", "Life", "Party", "PetitionPlan", "Petitioner", "pick"]

Life = Generator[datetime, None, None]


def pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), list(weights.values()))[0]


@dataclass(eq=False)
class Party:
    name: str
    person_id: int | None = None
    organization_id: int | None = None
    phone: str = ""

    def party_in(self, side: str) -> mediation.PartyIn:
        return mediation.PartyIn(
            side=side,
            name=self.name if self.person_id is None and self.organization_id is None else "",
            person_id=self.person_id,
            organization_id=self.organization_id,
            phone=self.phone,
        )


@dataclass(eq=False)
class DisputePlan:
    index: int
    reported_at: datetime
    source: str
    dispute_type: str
    micro: Grid
    scenario: Scenario
    fate: str = "agreement"
    recent: bool = False
    risk_grade: str = RiskGrade.GENERAL
    sessions: int = 1
    follow: str = "stable"
    confirm: bool = False
    month: int | None = None  # the screening round (months back) it was found in
    parties: tuple[Party, Party] | None = None  # fixed up front (a petition's matter)
    words: dict = field(default_factory=dict)
    # running state
    dispute_id: int | None = None
    code: str = ""
    desk: User | None = None
    reporter: User | None = None
    mediator: Mediator | None = None
    user: User | None = None
    relapsed: bool = False

    def __str__(self) -> str:
        return self.code or f"dispute #{self.index}"


@dataclass(eq=False)
class Petitioner:
    """Someone who petitions: a registered person, or an outsider with an ID number."""

    name: str
    person_id: int | None = None
    id_number: str = ""
    village: Region | None = None
    micro_code: str = ""


@dataclass(eq=False)
class PetitionPlan:
    index: int
    reported_at: datetime
    form: str
    category: str
    village: Region
    micro: Grid
    petitioner: Petitioner | None
    fate: str = "normal"
    repeat_of: PetitionPlan | None = None
    refer: DisputePlan | None = None  # handed to mediation (访调对接)
    about_dispute: bool = False
    visitors: int = 1
    text: tuple[str, str, str] = ("", "", "")
    # running state
    petition_id: int | None = None
    code: str = ""

    def __str__(self) -> str:
        return self.code or f"petition #{self.index}"
