"""URL patterns for the resident portal at /h5/."""

from django.urls import path

from fengqiao.cases import resident_report, resident_views

app_name = "h5"
urlpatterns = [
    path("", resident_views.home, name="home"),
    path("report/", resident_report.report, name="report"),
    path("report/confirm/", resident_report.confirm, name="confirm"),
    path("nearby/", resident_report.nearby, name="nearby"),
    path("cases/<str:code>/support/", resident_report.support, name="support"),
    path("following/<str:code>/", resident_report.following, name="following"),
    path("cases/<str:code>/", resident_views.case, name="case"),
    path("cases/<str:code>/rate/", resident_views.rate, name="rate"),
]
