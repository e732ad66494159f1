"""URL patterns of the grid app's fieldwork pages at /m/visits/."""

from django.urls import path

from fengqiao.fieldwork import helpplans_views, mobile_views

app_name = "fieldwork_m"
urlpatterns = [
    path("", mobile_views.due, name="due"),
    path("help/", helpplans_views.m_help, name="help"),
    path("<str:target>/<int:target_id>/", mobile_views.record, name="record"),
]
