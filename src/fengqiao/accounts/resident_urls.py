"""URL patterns for residents' SMS sign-in and registry binding at /h5/signin/."""

from django.urls import path

from fengqiao.accounts import resident_views

app_name = "h5_signin"
urlpatterns = [
    path("", resident_views.signin, name="signin"),
    path("bind/", resident_views.bind, name="bind"),
]
