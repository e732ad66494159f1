"""URL patterns of the fieldwork workbench at /fieldwork/."""

from django.urls import path

from fengqiao.fieldwork import campaigns_views, views

app_name = "fieldwork"
urlpatterns = [
    path("", views.visits, name="visits"),
    path("due/", views.due, name="due"),
    path("plans/", views.plans, name="plans"),
    path("campaigns/", campaigns_views.campaigns, name="campaigns"),
    path("campaigns/<int:campaign_id>/", campaigns_views.campaign, name="campaign"),
    path(
        "campaigns/<int:campaign_id>/close/", campaigns_views.campaign_close, name="campaign_close"
    ),
    path(
        "campaigns/<int:campaign_id>/export.xlsx",
        campaigns_views.campaign_export,
        name="campaign_export",
    ),
]
