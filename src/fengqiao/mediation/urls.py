"""URL patterns for the mediation workbench at /mediation/ (disputes, desk pages, petitions)."""

from django.urls import path

from fengqiao.mediation.views import desk, disputes, petitions, screening

app_name = "mediation"
urlpatterns = [
    path("", disputes.queue, name="disputes"),
    path("new/", disputes.register, name="dispute_new"),
    path("people/", disputes.person_search, name="person_search"),
    path("calendar/", desk.calendar_page, name="calendar"),
    path("agreements/", desk.agreements_page, name="agreements"),
    path("follow-ups/", desk.follow_ups_page, name="follow_ups"),
    path("referrals/", desk.referrals_page, name="referrals"),
    path("committees/", desk.committees_page, name="committees"),
    path("metrics/", desk.metrics_page, name="metrics"),
    path("screening/", screening.rounds, name="screening"),
    path("screening/<int:round_id>/", screening.round_page, name="screening_round"),
    path("petitions/", petitions.queue, name="petitions"),
    path("petitions/new/", petitions.register, name="petition_new"),
    path("petitions/<str:code>/", petitions.detail, name="petition"),
    path("petitions/<str:code>/act/<str:action>/", petitions.act, name="petition_act"),
    path("<str:code>/", disputes.detail, name="dispute"),
    path("<str:code>/act/<str:action>/", disputes.act, name="dispute_act"),
    path("<str:code>/agreement.docx", disputes.agreement_download, name="agreement_download"),
]
