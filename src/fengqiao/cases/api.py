"""API: cases (filled in by the cases API module)."""

from ninja import Router

router = Router(tags=["cases"])
