"""URL patterns for the centre workbench (filled by the workbench views)."""

app_name = "cases"
urlpatterns: list = []
