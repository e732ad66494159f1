"""URL patterns of the grid app's fieldwork pages at /m/visits/."""

from django.urls import path

from fengqiao.fieldwork import care_mobile_views, mobile_views

app_name = "fieldwork_m"
urlpatterns = [
    path("", mobile_views.due, name="due"),
    path("care/", care_mobile_views.needs, name="care"),
    path("<str:target>/<int:target_id>/", mobile_views.record, name="record"),
]
