"""Routes of the case workflow pages (一门受理)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
