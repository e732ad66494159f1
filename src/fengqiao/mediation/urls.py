"""URL patterns for the mediation workbench at /mediation/ (disputes, desk pages, petitions)."""

from django.urls import path

from fengqiao.mediation import views_desk, views_disputes, views_petitions, views_screening

app_name = "mediation"
urlpatterns = [
    path("", views_disputes.queue, name="disputes"),
    path("new/", views_disputes.register, name="dispute_new"),
    path("people/", views_disputes.person_search, name="person_search"),
    path("calendar/", views_desk.calendar_page, name="calendar"),
    path("agreements/", views_desk.agreements_page, name="agreements"),
    path("follow-ups/", views_desk.follow_ups_page, name="follow_ups"),
    path("referrals/", views_desk.referrals_page, name="referrals"),
    path("committees/", views_desk.committees_page, name="committees"),
    path("metrics/", views_desk.metrics_page, name="metrics"),
    path("screening/", views_screening.rounds, name="screening"),
    path("screening/<int:round_id>/", views_screening.round_page, name="screening_round"),
    path("petitions/", views_petitions.queue, name="petitions"),
    path("petitions/new/", views_petitions.register, name="petition_new"),
    path("petitions/<str:code>/", views_petitions.detail, name="petition"),
    path("petitions/<str:code>/act/<str:action>/", views_petitions.act, name="petition_act"),
    path("<str:code>/", views_disputes.detail, name="dispute"),
    path("<str:code>/act/<str:action>/", views_disputes.act, name="dispute_act"),
    path("<str:code>/agreement.docx", views_disputes.agreement_download, name="agreement_download"),
]
