"""URL patterns of the fieldwork workbench at /fieldwork/."""

from django.urls import path

from fengqiao.fieldwork import broadcasts_views, groups_views, party_contacts_views, views

app_name = "fieldwork"
urlpatterns = [
    path("", views.visits, name="visits"),
    path("due/", views.due, name="due"),
    path("plans/", views.plans, name="plans"),
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
