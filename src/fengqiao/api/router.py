"""Assembles the /api/v1 routers into one NinjaAPI with OpenAPI docs and domain-error handling."""

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from fengqiao.accounts.api import router as accounts_router
from fengqiao.api.auth import API_AUTH
from fengqiao.cases.api import router as cases_router
from fengqiao.cases.ledger_api import router as case_documents_router
from fengqiao.cases.metoo_api import router as metoo_router
from fengqiao.core.audit_api import router as audit_router
from fengqiao.core.errors import DomainError
from fengqiao.core.security import docs_behind_sign_in
from fengqiao.fieldwork.api import router as fieldwork_router
from fengqiao.fieldwork.api_assessment import router as assessment_router
from fengqiao.fieldwork.api_campaigns import router as campaigns_router
from fengqiao.fieldwork.api_care import router as care_router
from fengqiao.fieldwork.api_groups import router as groups_router
from fengqiao.fieldwork.api_helpplans import router as helpplans_router
from fengqiao.insight.api import router as insight_router
from fengqiao.mediation.api import router as mediation_router
from fengqiao.participation.api import router as participation_router
from fengqiao.regions.api import router as regions_router
from fengqiao.registry.api import router as registry_router
from fengqiao.registry.api_located import router as located_router


class FengqiaoAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        """`<module>_<function>` as django-ninja makes it, where a handler in a package module
        (`mediation/api/disputes.py`) counts as in its package (`mediation/api`): splitting an
        app's API into modules keeps the published operation ids."""
        module = operation.view_func.__module__
        head, found, _tail = module.rpartition(".api.")
        if found:
            module = f"{head}.api"
        return f"{module}_{operation.view_func.__name__}".replace(".", "_")


api = FengqiaoAPI(
    title="fengqiao API",
    version="1",
    description="Regions, grids, registry, accounts, cases, disputes (mediation, agreements, "
    "referrals, follow-ups, screening), petitions and notices of a fengqiao installation. "
    "Authenticate with POST /api/v1/auth/token, then send `Authorization: Bearer <token>`.",
    auth=API_AUTH,
    urls_namespace="api-v1",
    docs_decorator=docs_behind_sign_in,
)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(
        request, {"code": "not_found", "message": "Not found.", "field": None}, status=404
    )


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return api.create_response(
        request,
        {"code": "unauthenticated", "message": "Sign in or send a bearer token.", "field": None},
        status=401,
    )


@api.exception_handler(ValidationError)
def invalid_request(request, exc: ValidationError):
    first = exc.errors[0] if exc.errors else {}
    loc = [str(part) for part in first.get("loc", [])]
    if loc[:1] == ["body"] and len(loc) > 2:
        loc = loc[2:]  # ("body", <the handler's parameter>, field, …): name the field only
    loc = [part for part in loc if part not in ("body", "query", "path")]
    return api.create_response(
        request,
        {
            "code": "invalid",
            "message": first.get("msg", "Invalid request."),
            "field": ".".join(loc) or None,
            "errors": exc.errors,
        },
        status=422,
    )


api.add_router("", accounts_router)
api.add_router("", regions_router)
api.add_router("", registry_router)
api.add_router("", located_router)
api.add_router("", cases_router)
api.add_router("", metoo_router)
api.add_router("", case_documents_router)
api.add_router("", mediation_router)
api.add_router("", fieldwork_router)
api.add_router("", assessment_router)
api.add_router("", helpplans_router)
api.add_router("", care_router)
api.add_router("", campaigns_router)
api.add_router("", "fengqiao.fieldwork.api_patrols.router")
api.add_router("", groups_router)
api.add_router("", "fengqiao.fieldwork.api_party_contacts.router")
api.add_router("", participation_router)
api.add_router("", insight_router)
api.add_router("", audit_router)
