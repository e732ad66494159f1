"""URL patterns for registry pages."""

from django.urls import path

app_name = "registry"
urlpatterns: list = []
