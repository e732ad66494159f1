"""URL patterns for the audit page at /audit/."""

from django.urls import path

from fengqiao.core import audit_views

app_name = "audit"
urlpatterns = [
    path("", audit_views.audit_page, name="log"),
    path("export.xlsx", audit_views.audit_export, name="export"),
]
