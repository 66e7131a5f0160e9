"""Routes of the REST API (JSON in, JSON out; errors as {"error": {code, message, field}})."""

from django.urls import URLPattern, path

from minzheng.assistance.api import assess_view

urlpatterns: list[URLPattern] = [
    path("assess", assess_view, name="assess"),
]
