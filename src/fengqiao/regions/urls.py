"""URL patterns for the region and grid browser."""

from django.urls import path

from fengqiao.regions import views

app_name = "regions"
urlpatterns = [
    path("", views.browse, name="browse"),
    path("import/", views.tree_import, name="import"),
    path("grid/<str:code>/", views.grid_detail, name="grid"),
    path("grid/<str:code>/map.json", views.grid_map, name="grid_map"),
    path("<str:code>/", views.region_detail, name="region"),
    path("<str:code>/map.json", views.region_map, name="region_map"),
]
