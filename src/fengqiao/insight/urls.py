"""URL patterns for the dashboard pages at /insight/."""

from django.urls import path

from fengqiao.insight import views

app_name = "insight"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
