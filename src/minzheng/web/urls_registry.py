"""Routes of the registry pages (households, people, exports)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
