"""The audit log in the admin site: read-only for everybody, scoped by ``scope_audit_logs``."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from minzheng.accounts.access import scope_audit_logs
from minzheng.accounts.models import User
from minzheng.audit.models import AuditLog


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "created_at",
        "actor_name",
        "event_type",
        "subject_type",
        "subject_id",
        "region_code",
        "summary",
    )
    list_filter = ("event_type", "subject_type")
    search_fields = ("=actor_name", "=subject_id", "=region_code", "summary")
    ordering = ("-id",)
    fields = (
        "id",
        "created_at",
        "actor_name",
        "event_type",
        "subject_type",
        "subject_id",
        "region_code",
        "summary",
        "data",
        "prev_hash",
        "row_hash",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditLog]:
        return scope_audit_logs(cast(User, request.user), super().get_queryset(request))

    # Append-only: not even a superuser adds, changes or deletes a row here.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
