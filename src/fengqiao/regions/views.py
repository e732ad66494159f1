"""Pages: the region and grid browser with a map of the polygons."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fengqiao.core.errors import DomainError, NotFound
from fengqiao.core.roles import Role, has_role
from fengqiao.regions import selectors
from fengqiao.regions.maps import feature_collection
from fengqiao.regions.tree_import import import_tree


def _or_404(fn, **kwargs):
    try:
        return fn(**kwargs)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


@login_required
def browse(request):
    """Start at the caller's (first) jurisdiction."""
    top = selectors.browse_root(actor=request.user)
    if top is None:
        raise Http404
    kind, code = top
    return redirect("regions:grid" if kind == "grid" else "regions:region", code=code)


@login_required
def region_detail(request, code: str):
    region = _or_404(selectors.region_get, actor=request.user, code=code)
    context = {
        "region": region,
        "ancestors": selectors.region_ancestors_visible(actor=request.user, code=code),
        "children": selectors.region_list(actor=request.user, parent_code=code),
        "grids": selectors.grid_list(actor=request.user, village_code=code).filter(
            parent__isnull=True
        )
        if region.level == "village"
        else None,
        "map_url": request.path + "map.json",
        "may_import": has_role(request.user, {Role.ADMIN}),
    }
    return render(request, "regions/region_detail.html", context)


@login_required
def grid_detail(request, code: str):
    grid = _or_404(selectors.grid_get, actor=request.user, code=code)
    context = {
        "grid": grid,
        "ancestors": selectors.region_ancestors_visible(actor=request.user, code=code),
        "parents": selectors.grid_ancestors_visible(actor=request.user, code=code),
        "children": selectors.grid_list(actor=request.user, parent_code=code),
        "map_url": request.path + "map.json",
    }
    return render(request, "regions/grid_detail.html", context)


@login_required
def region_map(request, code: str):
    region = _or_404(selectors.region_get, actor=request.user, code=code)
    if region.level == "village":
        children = selectors.grid_list(actor=request.user, village_code=code).filter(
            parent__isnull=True
        )
    else:
        children = selectors.region_list(actor=request.user, parent_code=code)
    return JsonResponse(feature_collection(region, children))


@login_required
def grid_map(request, code: str):
    grid = _or_404(selectors.grid_get, actor=request.user, code=code)
    children = selectors.grid_list(actor=request.user, parent_code=code)
    return JsonResponse(feature_collection(grid, children))


@login_required
def tree_import(request):
    """Administrators import a region/grid tree from GeoJSON or XLSX (all or nothing)."""
    if not has_role(request.user, {Role.ADMIN}):
        raise Http404
    context = {"report": None, "error": None}
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["error"] = _("Choose a file to import.")
        else:
            try:
                context["report"] = import_tree(
                    actor=request.user, filename=upload.name, content=upload.read()
                )
            except DomainError as exc:
                context["error"] = exc.message
    return render(request, "regions/import.html", context)
