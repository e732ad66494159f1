"""URL patterns of the case files at /cases/: the ledger and the printed orders."""

from django.urls import path

from fengqiao.cases import ledger_views

app_name = "case_documents"
urlpatterns = [
    path("ledger.xlsx", ledger_views.ledger, name="ledger"),
    path("<str:code>/print/dispatch-order/", ledger_views.dispatch_order, name="dispatch_order"),
    path(
        "<str:code>/print/supervision-order/",
        ledger_views.supervision_order,
        name="supervision_order",
    ),
]
