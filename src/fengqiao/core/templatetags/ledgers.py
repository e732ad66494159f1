"""`{% ledger_links "app:url" %}`: the "export ledger" links of a list page, keeping the page's
current filters (the list partial re-renders with them, so the links follow every change)."""

from django import template
from django.urls import reverse

from fengqiao.core import clock

register = template.Library()

# Query keys that are about the page, not the list: the ledger holds every row.
PAGE_KEYS = ("page", "month", "from", "to")


@register.inclusion_tag("core/_ledger_links.html", takes_context=True)
def ledger_links(context, url_name: str) -> dict:
    request = context.get("request")
    query = request.GET.copy() if request is not None else None
    for key in PAGE_KEYS:
        if query is not None:
            query.pop(key, None)
    month_query = query.copy() if query is not None else None
    month = clock.localdate().strftime("%Y-%m")
    if month_query is not None:
        month_query["month"] = month
    return {
        "url": reverse(url_name),
        "query": query.urlencode() if query is not None else "",
        "month_query": month_query.urlencode() if month_query is not None else f"month={month}",
    }
