"""Tests for regions, grids, the point locator and geo import/export."""
