"""URL patterns for the notice pages of the workbench at /participation/."""

from django.urls import path

from fengqiao.participation import views

app_name = "participation"
urlpatterns = [
    path("notices/", views.notice_list, name="notices"),
    path("notices/new/", views.notice_new, name="notice_new"),
    path("notices/<int:notice_id>/", views.notice_page, name="notice"),
    path("notices/<int:notice_id>/act/", views.notice_act, name="notice_act"),
]
