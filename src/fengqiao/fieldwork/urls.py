"""URL patterns of the fieldwork workbench at /fieldwork/."""

from django.urls import path

from fengqiao.fieldwork import patrol_views, views

app_name = "fieldwork"
urlpatterns = [
    path("", views.visits, name="visits"),
    path("due/", views.due, name="due"),
    path("plans/", views.plans, name="plans"),
    path("patrols/", patrol_views.patrols, name="patrols"),
    path("patrols/<int:patrol_id>/", patrol_views.patrol, name="patrol"),
    path("teams/", patrol_views.teams, name="teams"),
]
