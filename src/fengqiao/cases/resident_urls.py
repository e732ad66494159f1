"""URL patterns for the resident portal at /h5/."""

app_name = "h5"
urlpatterns: list = []
