"""URL patterns of the grid app's fieldwork pages at /m/visits/."""

from django.urls import path

from fengqiao.fieldwork import campaigns_mobile_views, mobile_views

app_name = "fieldwork_m"
urlpatterns = [
    path("", mobile_views.due, name="due"),
    path("campaigns/", campaigns_mobile_views.campaigns, name="campaigns"),
    path("campaigns/<int:item_id>/check/", campaigns_mobile_views.check, name="campaign_check"),
    path("<str:target>/<int:target_id>/", mobile_views.record, name="record"),
]
