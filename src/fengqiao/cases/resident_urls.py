"""URL patterns for the resident portal at /h5/."""

from django.urls import path

from fengqiao.cases import resident_views

app_name = "h5"
urlpatterns = [
    path("", resident_views.home, name="home"),
    path("report/", resident_views.report, name="report"),
    path("cases/<str:code>/", resident_views.case, name="case"),
    path("cases/<str:code>/rate/", resident_views.rate, name="rate"),
]
