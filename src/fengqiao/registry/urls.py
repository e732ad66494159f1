"""URL patterns for registry pages."""

from django.urls import path

from fengqiao.registry import correction_views, located_views, views

app_name = "registry"
urlpatterns = [
    path("people/", views.people, name="people"),
    path("people/export.xlsx", views.people_export, name="people_export"),
    path("people/<int:person_id>/", views.person_detail, name="person"),
    path("people/<int:person_id>/reveal/<str:field>/", views.person_reveal, name="person_reveal"),
    path("households/", views.households, name="households"),
    path("households/<int:household_id>/", views.household_detail, name="household"),
    path("dwellings/", views.dwellings, name="dwellings"),
    path("dwellings/export.xlsx", views.dwellings_export, name="dwellings_export"),
    path("dwellings/<int:dwelling_id>/", views.dwelling_detail, name="dwelling"),
    *located_views.urlpatterns(),
    path("corrections/", correction_views.correction_list, name="corrections"),
    path(
        "corrections/<int:request_id>/resolve/",
        correction_views.correction_resolve,
        name="correction_resolve",
    ),
    path("import/", views.import_page, name="import"),
    path("import/jobs/<int:job_id>/", views.import_job, name="import_job"),
    path("import/jobs/<int:job_id>/run/", views.import_job_run, name="import_job_run"),
    path("import/jobs/<int:job_id>/errors.xlsx", views.import_job_errors, name="import_job_errors"),
]
