"""URL patterns of the fieldwork workbench at /fieldwork/."""

from django.urls import path

from fengqiao.fieldwork import (
    assessment_views,
    broadcasts_views,
    campaigns_views,
    care_views,
    groups_views,
    helpplans_views,
    party_contacts_views,
    patrol_views,
    views,
)

app_name = "fieldwork"
urlpatterns = [
    path("", views.visits, name="visits"),
    path("visits/<int:visit_id>/", views.visit, name="visit"),
    path("visits/<int:visit_id>/photos/<int:photo_id>/", views.visit_photo, name="visit_photo"),
    path("due/", views.due, name="due"),
    path("plans/", views.plans, name="plans"),
    path("assessment/", assessment_views.assessment, name="assessment"),
    path("assessment/export.xlsx", assessment_views.assessment_export, name="assessment_export"),
    path("help-plans/", helpplans_views.help_plans, name="help_plans"),
    path("help-plans/new/", helpplans_views.help_plan_new, name="help_plan_new"),
    path("help-plans/people/", helpplans_views.help_plan_people, name="help_plan_people"),
    path("help-plans/<int:plan_id>/", helpplans_views.help_plan, name="help_plan"),
    path("care/", care_views.records, name="care"),
    path("care/<int:record_id>/", care_views.record, name="care_record"),
    path("services/", care_views.offers, name="care_services"),
    path("not-seen/", care_views.not_seen, name="not_seen"),
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
    path("patrols/", patrol_views.patrols, name="patrols"),
    path("patrols/<int:patrol_id>/", patrol_views.patrol, name="patrol"),
    path(
        "patrols/<int:patrol_id>/photos/<int:photo_id>/",
        patrol_views.check_in_photo,
        name="check_in_photo",
    ),
    path("teams/", patrol_views.teams, name="teams"),
    path("groups/", groups_views.group_list, name="groups"),
    path("groups/new/", groups_views.group_new, name="group_new"),
    path("groups/<int:group_id>/", groups_views.group_detail, name="group"),
    path("groups/broadcasts/", broadcasts_views.broadcast_list, name="broadcasts"),
    path(
        "groups/broadcasts/<int:broadcast_id>/",
        broadcasts_views.broadcast_detail,
        name="broadcast",
    ),
    path("party-contacts/", party_contacts_views.party_contact_list, name="party_contacts"),
]
