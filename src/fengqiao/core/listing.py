"""List pages: the page of rows asked for, and the query string its pager links keep."""

from django.core.paginator import Page, Paginator
from django.http import QueryDict

PAGE_SIZE = 50


def page_of(request, rows, size: int = PAGE_SIZE) -> tuple[Page, QueryDict]:
    """The `?page=` page of `rows` (the last page when it is past the end, the first when it
    is not a number) and the request's query without `page`, for the pager and filter links."""
    page = Paginator(rows, size).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query
