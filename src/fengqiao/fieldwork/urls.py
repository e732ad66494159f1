"""URL patterns of the fieldwork workbench at /fieldwork/."""

from django.urls import path

from fengqiao.fieldwork import views

app_name = "fieldwork"
urlpatterns = [
    path("", views.visits, name="visits"),
    path("due/", views.due, name="due"),
    path("plans/", views.plans, name="plans"),
]
