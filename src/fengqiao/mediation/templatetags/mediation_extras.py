"""Template filters for the mediation pages: rates as percentages."""

from django import template

register = template.Library()


@register.filter
def pct(value) -> str:
    """0.9761 → "97.6%"; None (nothing to divide) → "—"."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.1f}%"
