"""URL map of the web UI, the admin and the REST API. Each area keeps its routes in its own module."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import urls_api, urls_cases, urls_import, urls_payroll, urls_registry, urls_verification, views

web_patterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="registration/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    *urls_registry.urlpatterns,
    *urls_import.urlpatterns,
    *urls_cases.urlpatterns,
    *urls_payroll.urlpatterns,
    *urls_verification.urlpatterns,
]

urlpatterns = [
    path("", include((web_patterns, "web"))),
    path("admin/", admin.site.urls),
    path("api/", include((urls_api.urlpatterns, "api"))),
]
