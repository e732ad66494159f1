"""URL patterns for the grid-worker app at /m/."""

from django.urls import path

from fengqiao.cases import mobile_views

app_name = "mobile"
urlpatterns = [
    path("", mobile_views.home, name="home"),
    path("report/", mobile_views.report, name="report"),
    path("tasks/", mobile_views.tasks, name="tasks"),
    path("tasks/<str:code>/", mobile_views.task, name="task"),
    path("sw.js", mobile_views.service_worker, name="sw"),
]
