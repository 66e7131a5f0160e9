"""Routes of the Excel import pages."""

from django.urls import URLPattern, path

from . import views_import

urlpatterns: list[URLPattern] = [
    path("import/households/", views_import.import_upload, name="import_upload"),
    path("import/households/template.xlsx", views_import.import_template, name="import_template"),
    path("import/households/<int:batch_id>/", views_import.import_detail, name="import_detail"),
    path("import/households/<int:batch_id>/errors.xlsx", views_import.import_errors, name="import_errors"),
]
