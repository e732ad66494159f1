"""Page: reveal a case's callback phone (an htmx fragment), for the roles that handle it."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from fengqiao.cases.reveal import case_reveal_callback_phone
from fengqiao.cases.views import case_or_404, staff_required
from fengqiao.core.errors import DomainError
from fengqiao.core.http import client_ip


@staff_required
@require_POST
def reveal_phone(request, code: str):
    case = case_or_404(request.user, code)
    try:
        value = case_reveal_callback_phone(actor=request.user, case=case, ip=client_ip(request))
    except DomainError as exc:
        return HttpResponse(str(exc.message), status=exc.status)
    return render(request, "registry/_revealed.html", {"value": value})
