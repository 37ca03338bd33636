from django.urls import path, re_path

from heartdesk.customers import views

app_name = "customers"
urlpatterns = [
    path("", views.contact_list, name="list"),
    path("organizations/", views.organization_list, name="organizations"),
    path("organizations/suggest/", views.organization_suggest, name="organization_suggest"),
    path("organizations/new/", views.organization_create, name="organization_create"),
    path("organizations/<int:pk>/", views.organization_detail, name="organization"),
    path("organizations/<int:pk>/edit/", views.organization_edit, name="organization_edit"),
    path("contacts/new/", views.contact_create, name="contact_create"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/erase/", views.contact_erase, name="contact_erase"),
    re_path(
        r"^(?P<kind>contact|organization)/(?P<pk>[0-9]+)/(?P<action>delete|restore)/$",
        views.lifecycle,
        name="lifecycle",
    ),
    re_path(r"^export/(?P<kind>contacts|organizations)\.csv$", views.export, name="export"),
    path("import/", views.import_start, name="import_start"),
    path("import/<int:pk>/", views.import_mapping, name="import_mapping"),
    path("import/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("settings/", views.catalog, name="settings"),
]
