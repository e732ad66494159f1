"""URL patterns for a resident's own data at /h5/me/."""

from django.urls import path

from fengqiao.registry import correction_views

app_name = "h5_me"
urlpatterns = [path("", correction_views.my_data, name="home")]
