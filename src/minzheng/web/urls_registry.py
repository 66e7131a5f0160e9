"""Routes of the registry pages (households, people, exports)."""

from django.urls import URLPattern, path

from . import views_registry

urlpatterns: list[URLPattern] = [
    path("households/", views_registry.household_list, name="household_list"),
    path("households/export/", views_registry.household_export, name="household_export"),
    path("households/<int:pk>/", views_registry.household_detail, name="household_detail"),
    path("people/<int:pk>/", views_registry.person_detail, name="person_detail"),
    path("audit/", views_registry.audit_log, name="audit_log"),
]
