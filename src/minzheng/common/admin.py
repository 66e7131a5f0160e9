"""The admin site's Chinese titles, and the region tree (read-only, scoped to the jurisdiction).

Regions are loaded by the command line (``minzheng synth --load``), which audits the load; the admin only
shows the part of the tree under the user's jurisdiction.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from minzheng.accounts.access import region_filter
from minzheng.accounts.models import User
from minzheng.common.models import Region

admin.site.site_header = "智慧民政 · 后台管理"
admin.site.site_title = "智慧民政后台"
admin.site.index_title = "后台管理"
admin.site.site_url = "/"


PERSONAL_DATA_FIELDS = frozenset({"id_number", "phone", "certificate_number"})


class NoPersonalDataLookupsMixin:
    """Refuse URL filters on ID numbers, phones and certificate numbers (``?id_number__startswith=…``).

    The admin allows any lookup on a model's own fields by default: probing prefixes digit by digit would
    rebuild a full number that the pages only show masked, without the audited reveal. A refused lookup
    answers 400 (DisallowedModelAdminLookup).
    """

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        if PERSONAL_DATA_FIELDS.intersection(lookup.split("__")):
            return False
        return super().lookup_allowed(lookup, value, request)  # type: ignore[misc]  # mixed into ModelAdmin


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent", "urban_rural", "census_population")
    list_filter = ("level", "urban_rural")
    list_select_related = ("parent",)
    search_fields = ("=code", "name")
    ordering = ("code",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Region]:
        return super().get_queryset(request).filter(region_filter(cast(User, request.user), "code"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
