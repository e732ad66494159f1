"""URL patterns of the fieldwork workbench at /fieldwork/."""

from django.urls import path

from fengqiao.fieldwork import assessment_views, views

app_name = "fieldwork"
urlpatterns = [
    path("", views.visits, name="visits"),
    path("due/", views.due, name="due"),
    path("plans/", views.plans, name="plans"),
    path("assessment/", assessment_views.assessment, name="assessment"),
    path("assessment/export.xlsx", assessment_views.assessment_export, name="assessment_export"),
]
