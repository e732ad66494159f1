"""URL patterns for Open311 GeoReport v2 at /open311/v2/ (each resource as .xml or .json)."""

from django.urls import re_path

from fengqiao.cases import open311

app_name = "open311"
FMT = r"\.(?P<fmt>xml|json)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, open311.discovery, name="discovery"),
    re_path(r"^services" + FMT, open311.service_list, name="services"),
    re_path(
        r"^services/(?P<service_code>[-\w]+)" + FMT,
        open311.service_definition,
        name="service-definition",
    ),
    re_path(r"^requests" + FMT, open311.requests, name="requests"),
    re_path(
        r"^requests/(?P<service_request_id>[-\w]+)" + FMT,
        open311.request_detail,
        name="request",
    ),
]
