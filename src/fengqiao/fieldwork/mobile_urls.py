"""URL patterns of the grid app's fieldwork pages at /m/visits/."""

from django.urls import path

from fengqiao.fieldwork import mobile_views, patrol_mobile_views

app_name = "fieldwork_m"
urlpatterns = [
    path("", mobile_views.due, name="due"),
    path("patrol/", patrol_mobile_views.patrol, name="patrol"),
    path("<str:target>/<int:target_id>/", mobile_views.record, name="record"),
]
