"""URL patterns for the grid-worker app at /m/."""

app_name = "mobile"
urlpatterns: list = []
