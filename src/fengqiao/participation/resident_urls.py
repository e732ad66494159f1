"""URL patterns for notices in the resident portal at /h5/notices/."""

from django.urls import path

from fengqiao.participation import resident_views

app_name = "resident_notices"
urlpatterns = [
    path("", resident_views.notice_list, name="list"),
    path("<int:notice_id>/", resident_views.notice_detail, name="detail"),
]
