"""URL patterns for the centre workbench at /cases/."""

from django.urls import path

from fengqiao.cases import notify_views, reveal_views, views

app_name = "cases"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("new/", views.new, name="new"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/preferences/", notify_views.preferences, name="notification_preferences"),
    path("<str:code>/", views.detail, name="detail"),
    path("<str:code>/act/<str:action>/", views.act, name="act"),
    path("<str:code>/reveal-phone/", reveal_views.reveal_phone, name="reveal_phone"),
    path("<str:code>/files/<int:attachment_id>/", views.attachment, name="attachment"),
]
