"""Routes of 线上比对 + 线下走访 (tasks, visits, findings), monitoring (warnings, counts) and the household's
assistance chain."""

from django.urls import URLPattern, path

from . import views_verification

urlpatterns: list[URLPattern] = [
    path("verification/tasks/", views_verification.visit_task_list, name="visit_task_list"),
    path("verification/tasks/<int:pk>/", views_verification.visit_task_detail, name="visit_task_detail"),
    path(
        "verification/tasks/<int:pk>/assign/", views_verification.visit_task_assign, name="visit_task_assign"
    ),
    path("verification/photos/<int:pk>/", views_verification.visit_photo, name="visit_photo"),
    path("verification/findings/", views_verification.finding_list, name="finding_list"),
    path("verification/findings/<int:pk>/act/", views_verification.finding_act, name="finding_act"),
    path("verification/warnings/", views_verification.warning_list, name="warning_list"),
    path("verification/warnings/<int:pk>/handle/", views_verification.warning_handle, name="warning_handle"),
    path("verification/monitoring/", views_verification.monitoring_counts, name="monitoring_counts"),
    path("households/<int:pk>/chain/", views_verification.household_chain, name="household_chain"),
]
