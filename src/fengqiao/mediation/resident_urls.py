"""URL patterns for the resident mediation portal at /h5/mediation/."""

from django.urls import path

from fengqiao.mediation import resident_views

app_name = "resident_mediation"
urlpatterns = [
    path("", resident_views.home, name="home"),
    path("apply/", resident_views.apply, name="apply"),
    path("<str:code>/", resident_views.dispute_page, name="dispute"),
]
