"""fengqiao: grassroots social governance platform (grid + centre + household groups)."""

__version__ = "0.1.0"
