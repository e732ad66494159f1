"""URL patterns of the fieldwork workbench at /fieldwork/."""

from django.urls import path

from fengqiao.fieldwork import care_views, views

app_name = "fieldwork"
urlpatterns = [
    path("", views.visits, name="visits"),
    path("due/", views.due, name="due"),
    path("plans/", views.plans, name="plans"),
    path("care/", care_views.records, name="care"),
    path("care/<int:record_id>/", care_views.record, name="care_record"),
    path("services/", care_views.offers, name="care_services"),
    path("not-seen/", care_views.not_seen, name="not_seen"),
]
