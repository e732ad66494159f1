"""Fixtures for case tests: the small demo county with units, and a point in village A."""

import pytest

from fengqiao.cases.models import Category, HandlingUnit


@pytest.fixture
def world(users):
    """Users by username plus the village-A point, the grid micro-grid and the police unit."""
    micro = users["grid_worker"].bindings.get().grid
    police = HandlingUnit.objects.get(members=users["handler"])
    return {
        **users,
        "micro": micro,
        "point": {"lat": micro.centroid_lat, "lng": micro.centroid_lng},
        "police": police,
        "garbage": Category.objects.get(code="garbage"),
        "noise": Category.objects.get(code="neighbour_dispute"),
        "security": Category.objects.get(code="security_risk"),
    }
