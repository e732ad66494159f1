"""URL patterns of the mediation desk's files at /mediation/: ledgers and printed documents."""

from django.urls import path

from fengqiao.mediation.views import documents

app_name = "mediation_documents"
urlpatterns = [
    path("ledger.xlsx", documents.dispute_ledger, name="dispute_ledger"),
    path("petitions/ledger.xlsx", documents.petition_ledger, name="petition_ledger"),
    path("screening/ledger.xlsx", documents.screening_ledger, name="screening_ledger"),
    path("follow-ups/ledger.xlsx", documents.follow_up_ledger, name="follow_up_ledger"),
    path(
        "petitions/<str:code>/print/acceptance-notice/",
        documents.acceptance_notice,
        name="acceptance_notice",
    ),
    path(
        "petitions/<str:code>/print/reply-opinion/",
        documents.reply_opinion,
        name="reply_opinion",
    ),
    path(
        "<str:code>/agreement-full.docx",
        documents.agreement_full,
        name="agreement_full_reveal",
    ),
]
