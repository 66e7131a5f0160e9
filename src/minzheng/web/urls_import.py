"""Routes of the Excel import pages."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
