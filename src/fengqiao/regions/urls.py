"""URL patterns for regions pages."""

from django.urls import path

app_name = "regions"
urlpatterns: list = []
