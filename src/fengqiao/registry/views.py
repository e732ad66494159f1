"""Pages: people, households and dwellings lists with search; details; reveal; import; export."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fengqiao.core.errors import DomainError, NotFound
from fengqiao.core.http import client_ip
from fengqiao.core.listing import page_of
from fengqiao.core.roles import REGISTRY_EDIT_ROLES, REGISTRY_EXPORT_ROLES, REVEAL_ROLES, has_role
from fengqiao.registry import exporter, imports, search, selectors, services
from fengqiao.registry.corrections import CORRECTION_ROLES
from fengqiao.registry.models import ImportJob, Person

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def list_page(request, template: str, partial: str, queryset, **extra):
    page, query = page_of(request, queryset, PAGE_SIZE)
    context = {"page": page, "query": query, **extra}
    if request.htmx and request.htmx.target == "results":
        return render(request, partial, context)
    return render(request, template, context)


def get_or_404(fn, **kwargs):
    try:
        return fn(**kwargs)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def _search(request) -> search.PeopleSearch:
    try:
        return search.person_search(
            actor=request.user,
            q=request.GET.get("q", ""),
            tag=request.GET.get("tag", ""),
            grid_code=request.GET.get("grid", ""),
            ip=client_ip(request),
        )
    except search.SearchLimited as exc:
        return search.PeopleSearch(Person.objects.none(), str(exc.message), refused=True)


@login_required
def people(request):
    found = _search(request)
    return list_page(
        request,
        "registry/people.html",
        "registry/_people_rows.html",
        found.people,
        notice=found.notice,
        tags=selectors.person_tag_choices(actor=request.user),
        may_export=has_role(request.user, REGISTRY_EXPORT_ROLES),
        may_import=has_role(request.user, REGISTRY_EDIT_ROLES),
        may_correct=has_role(request.user, CORRECTION_ROLES),
    )


@login_required
def person_detail(request, person_id: int):
    person = get_or_404(selectors.person_get, actor=request.user, person_id=person_id)
    return render(
        request,
        "registry/person_detail.html",
        {
            "person": person,
            "tags": selectors.person_tags_visible(actor=request.user, person=person),
            "may_reveal": has_role(request.user, REVEAL_ROLES),
        },
    )


@login_required
@require_POST
def person_reveal(request, person_id: int, field: str):
    person = get_or_404(selectors.person_get, actor=request.user, person_id=person_id)
    try:
        value = services.person_reveal(
            actor=request.user, person=person, field=field, ip=client_ip(request)
        )
    except DomainError as exc:
        return HttpResponse(str(exc.message), status=exc.status)
    return render(request, "registry/_revealed.html", {"value": value})


def xlsx_download(request, export, queryset, filename: str) -> HttpResponse:
    """Run an exporter (it checks the role and logs the export) and send the workbook."""
    try:
        content = export(actor=request.user, queryset=queryset, ip=client_ip(request))
    except DomainError as exc:
        return HttpResponse(str(exc.message), status=exc.status)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def people_export(request):
    found = _search(request)
    if found.refused:
        return HttpResponse(found.notice, status=403)
    return xlsx_download(request, exporter.export_people_xlsx, found.people, "people.xlsx")


@login_required
def dwellings_export(request):
    queryset = selectors.dwelling_list(
        actor=request.user,
        q=request.GET.get("q", ""),
        grid_code=request.GET.get("grid", ""),
        use=request.GET.get("use", ""),
    )
    return xlsx_download(request, exporter.export_dwellings_xlsx, queryset, "dwellings.xlsx")


@login_required
def households(request):
    queryset = selectors.household_list(
        actor=request.user, q=request.GET.get("q", ""), grid_code=request.GET.get("grid", "")
    )
    return list_page(request, "registry/households.html", "registry/_household_rows.html", queryset)


@login_required
def household_detail(request, household_id: int):
    household = get_or_404(selectors.household_get, actor=request.user, household_id=household_id)
    return render(request, "registry/household_detail.html", {"household": household})


@login_required
def dwellings(request):
    queryset = selectors.dwelling_list(
        actor=request.user,
        q=request.GET.get("q", ""),
        grid_code=request.GET.get("grid", ""),
        use=request.GET.get("use", ""),
    )
    return list_page(
        request,
        "registry/dwellings.html",
        "registry/_dwelling_rows.html",
        queryset,
        may_export=has_role(request.user, REGISTRY_EXPORT_ROLES),
        may_import=has_role(request.user, REGISTRY_EDIT_ROLES),
    )


@login_required
def dwelling_detail(request, dwelling_id: int):
    dwelling = get_or_404(selectors.dwelling_get, actor=request.user, dwelling_id=dwelling_id)
    return render(
        request,
        "registry/dwelling_detail.html",
        {
            "dwelling": dwelling,
            "households": selectors.household_list(actor=request.user).filter(dwelling=dwelling),
            "residents": selectors.person_list(actor=request.user).filter(dwelling=dwelling),
        },
    )


def _require_import(request) -> None:
    if not has_role(request.user, REGISTRY_EDIT_ROLES):
        raise Http404


@login_required
def import_page(request):
    """Upload a file of any registry kind. "All or nothing" runs here and shows the result;
    "valid rows" saves the file and runs as a job the page polls (it may be large)."""
    _require_import(request)
    context = {
        "result": None,
        "error": None,
        "kinds": imports.SPECS.values(),
        "kind": request.GET.get("kind", "people"),
    }
    if request.method == "POST":
        upload = request.FILES.get("file")
        kind = request.POST.get("kind", "people")
        mode = request.POST.get("mode", imports.ALL_OR_NOTHING)
        context.update(kind=kind, mode=mode)
        try:
            imports.spec_for(kind)
            if upload is None:
                context["error"] = _("Choose a file to import.")
            elif mode == imports.VALID_ROWS:
                context["job"] = _import_job_start(request.user, upload, kind)
            else:
                job = imports.import_run(
                    actor=request.user,
                    kind=kind,
                    filename=upload.name,
                    fh=upload.file,
                    mode=mode,
                )
                context["result"] = imports.job_result(job)
        except DomainError as exc:
            context["error"] = exc.message
    return render(request, "registry/import.html", context)


def _import_job_start(user, upload, kind: str) -> ImportJob:
    """Save the upload under FENGQIAO_HOME/imports and find or create its job."""
    path, file_hash = imports.upload_save(upload)
    return imports.job_for(
        actor=user,
        kind=kind,
        mode=imports.VALID_ROWS,
        filename=upload.name,
        file_hash=file_hash,
        size=upload.size,
        path=str(path),
    )


def _my_job(request, job_id: int) -> ImportJob:
    _require_import(request)
    return get_or_404(imports.job_get, actor=request.user, job_id=job_id)


@login_required
def import_job(request, job_id: int):
    """The job's counters; the fragment polls itself while the job runs."""
    job = _my_job(request, job_id)
    return render(request, "registry/_import_job.html", {"job": job})


@login_required
@require_POST
def import_job_run(request, job_id: int):
    """Run (or continue) the job in this request; the page polls its counters meanwhile."""
    job = _my_job(request, job_id)
    error = None
    try:
        with open(job.path, "rb") as fh:
            job = imports.import_run(
                actor=request.user, kind=job.kind, filename=job.filename, fh=fh, job=job
            )
    except (DomainError, OSError) as exc:
        error = getattr(exc, "message", None) or _("The uploaded file is no longer there.")
        job.refresh_from_db()
    return render(request, "registry/_import_job.html", {"job": job, "error": error})


@login_required
def import_job_errors(request, job_id: int):
    job = _my_job(request, job_id)
    response = HttpResponse(imports.error_report_xlsx(job), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.xlsx"'
    return response
