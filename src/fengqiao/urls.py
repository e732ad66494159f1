"""URL map: pages per app, the JSON API under /api/v1/, admin, health."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language

from fengqiao.accounts import views as account_views
from fengqiao.api.router import api
from fengqiao.core import views as core_views

urlpatterns = [
    path("api/v1/", api.urls),
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
    path("healthz", core_views.health, name="health"),
    path("readyz", core_views.ready, name="ready"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("accounts/", include("fengqiao.accounts.urls")),
    path("regions/", include("fengqiao.regions.urls")),
    path("registry/", include("fengqiao.registry.urls")),
    path("cases/", include("fengqiao.cases.document_urls")),
    path("cases/", include("fengqiao.cases.urls")),
    path("mediation/", include("fengqiao.mediation.document_urls")),
    path("mediation/", include("fengqiao.mediation.urls")),
    path("insight/", include("fengqiao.insight.urls")),
    path("audit/", include("fengqiao.core.audit_urls")),
    path("participation/", include("fengqiao.participation.urls")),
    path("m/visits/", include("fengqiao.fieldwork.mobile_urls")),
    path("m/", include("fengqiao.cases.mobile_urls")),
    path("fieldwork/", include("fengqiao.fieldwork.urls")),
    path("h5/mediation/", include("fengqiao.mediation.resident_urls")),
    path("h5/notices/", include("fengqiao.participation.resident_urls")),
    path("h5/me/", include("fengqiao.registry.resident_urls")),
    path("h5/services/", include("fengqiao.fieldwork.resident_urls")),
    path("h5/signin/", include("fengqiao.accounts.resident_urls")),
    path("h5/", include("fengqiao.cases.resident_urls")),
    path("open311/v2/", include("fengqiao.cases.open311_urls")),
    path("", account_views.home, name="home"),
]
