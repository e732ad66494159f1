"""Template filter `redact`: ID and phone numbers starred in text shown to the public."""

from django import template

from fengqiao.core.redact import redact as redact_text

register = template.Library()


@register.filter
def redact(value) -> str:
    """Use before any truncation, so a cut cannot leave part of a number unstarred."""
    return redact_text("" if value is None else str(value))
