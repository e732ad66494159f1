"""The plan of one demo case (its *agent*): channel, category, place, words and fate, drawn up
front, and its running state while the simulation plays it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from fengqiao.cases.models import Case, Category
from fengqiao.regions.models import Grid

__all__ = ["Agent"]


@dataclass(eq=False)
class Agent:
    index: int
    reported_at: datetime
    channel: str
    category: Category
    micro: Grid
    lat: float
    lng: float
    address: str
    title: str
    description: str
    fate: str = ""
    late_stage: str = ""
    note: bool = False
    no_rating: bool = False
    master: Agent | None = None
    # running state
    case: Case | None = None
    at: datetime | None = None
    token: int = 0
    done: set = field(default_factory=set)
    stuck: bool = False
    failed: bool = False
    pending: tuple | None = None
