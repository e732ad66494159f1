"""The audit page (/audit/): the audit log and the access log of the viewer's jurisdiction,
filtered, paginated, and exported as XLSX."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse
from django.shortcuts import render

from fengqiao.core import auditlog, clock
from fengqiao.core.http import client_ip
from fengqiao.core.listing import page_of

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TABS = ("changes", "access")


def _reader(request) -> None:
    if not auditlog.may_read_audit(request.user):
        raise PermissionDenied


@login_required
def audit_page(request):
    _reader(request)
    form = auditlog.AuditFilterForm(request.GET or None)
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "changes"
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "tab": tab,
        "query": query,
        "entity_types": auditlog.entity_type_choices(actor=request.user),
        "page": None,
    }
    if request.GET and not form.is_valid():
        return render(request, "core/audit.html", context, status=400)
    filters = form.cleaned_data if request.GET else {}
    lister = auditlog.access_list if tab == "access" else auditlog.audit_list
    queryset = lister(actor=request.user, filters=filters)
    page, _query = page_of(request, queryset, PAGE_SIZE)
    if tab == "changes":
        for entry in page:
            entry.changes_shown = auditlog.changes_text(entry.changes)
            entry.action_shown = auditlog.action_label(entry.action)
    context["page"] = page
    return render(request, "core/audit.html", context)


@login_required
def audit_export(request):
    _reader(request)
    form = auditlog.AuditFilterForm(request.GET)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        return HttpResponse(
            f"{field}: {' '.join(map(str, errors))}", status=400, content_type="text/plain"
        )
    out = auditlog.audit_export_xlsx(
        actor=request.user, filters=form.cleaned_data, ip=client_ip(request)
    )
    name = f"audit-{clock.localdate():%Y%m%d}.xlsx"
    return FileResponse(out, as_attachment=True, filename=name, content_type=XLSX)
