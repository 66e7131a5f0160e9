"""Routes of the case workflow pages (一门受理)."""

from django.urls import URLPattern, path

from . import views_cases

urlpatterns: list[URLPattern] = [
    path("cases/", views_cases.case_todo, name="case_todo"),
    path("cases/done/", views_cases.case_done, name="case_done"),
    path("cases/overdue/", views_cases.case_overdue, name="case_overdue"),
    path("cases/publicity/", views_cases.case_publicity, name="case_publicity"),
    path("cases/new/", views_cases.case_new, name="case_new"),
    path("cases/<int:pk>/", views_cases.case_detail, name="case_detail"),
    path("cases/<int:pk>/do/<slug:action>/", views_cases.case_action, name="case_action"),
    path("cases/attachments/<int:pk>/", views_cases.case_attachment, name="case_attachment"),
]
