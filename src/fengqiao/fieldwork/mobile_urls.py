"""URL patterns of the grid app's fieldwork pages at /m/visits/."""

from django.urls import path

from fengqiao.fieldwork import group_mobile_views, mobile_views

app_name = "fieldwork_m"
urlpatterns = [
    path("", mobile_views.due, name="due"),
    path("group/", group_mobile_views.group, name="group"),
    path("<str:target>/<int:target_id>/", mobile_views.record, name="record"),
]
