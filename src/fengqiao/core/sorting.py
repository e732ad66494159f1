"""Server-side sorting of list pages: `?sort=key` or `?sort=-key` against a whitelist.

A page names its sortable columns once (key → model fields); an unknown key is ignored (the
list keeps its default order), so no sort parameter, however crafted, reaches the database.
"""

from collections.abc import Mapping

from django.db.models import F, QuerySet


def parse_sort(raw: str | None, columns: Mapping[str, tuple[str, ...]]) -> str:
    """`raw` if it names a column (with an optional leading "-"), else ""."""
    raw = (raw or "").strip()
    return raw if raw.removeprefix("-") in columns else ""


def sorted_by(qs: QuerySet, sort: str, columns: Mapping[str, tuple[str, ...]]) -> QuerySet:
    """`qs` ordered by the column `sort` names (empty rows last either way, then newest row
    first so that pages stay stable); unchanged when `sort` is not a known column."""
    sort = parse_sort(sort, columns)
    if not sort:
        return qs
    descending = sort.startswith("-")
    fields = columns[sort.removeprefix("-")]
    order = [
        F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True)
        for field in fields
    ]
    return qs.order_by(*order, "-pk")


def sort_links(query, sort: str, columns: Mapping[str, tuple[str, ...]]) -> dict[str, dict]:
    """For each column: the query string that sorts by it (ascending, or descending when it is
    already the ascending sort) and the direction it is sorted in now ("asc", "desc" or "")."""
    base = query.copy()
    base.pop("page", None)
    base.pop("sort", None)
    links = {}
    for key in columns:
        direction = "asc" if sort == key else "desc" if sort == f"-{key}" else ""
        base["sort"] = f"-{key}" if direction == "asc" else key
        links[key] = {"query": base.urlencode(), "dir": direction}
    return links
