"""URL patterns of the grid app's fieldwork pages at /m/visits/."""

from django.urls import path

from fengqiao.fieldwork import (
    assessment_views,
    campaigns_mobile_views,
    care_mobile_views,
    group_mobile_views,
    helpplans_views,
    mobile_views,
    party_mobile_views,
    patrol_mobile_views,
)

app_name = "fieldwork_m"
urlpatterns = [
    path("", mobile_views.due, name="due"),
    path("month/", assessment_views.my_month, name="month"),
    path("help/", helpplans_views.m_help, name="help"),
    path("care/", care_mobile_views.needs, name="care"),
    path("campaigns/", campaigns_mobile_views.campaigns, name="campaigns"),
    path("campaigns/<int:item_id>/check/", campaigns_mobile_views.check, name="campaign_check"),
    path("patrol/", patrol_mobile_views.patrol, name="patrol"),
    path("group/", group_mobile_views.group, name="group"),
    path("party/", party_mobile_views.party, name="party"),
    path("<str:target>/<int:target_id>/", mobile_views.record, name="record"),
]
