"""URL patterns of the village's service list in the resident portal at /h5/services/."""

from django.urls import path

from fengqiao.fieldwork import resident_views

app_name = "resident_services"
urlpatterns = [path("", resident_views.services, name="list")]
