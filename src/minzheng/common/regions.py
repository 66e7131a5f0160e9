"""Selectors over the region tree."""

from __future__ import annotations

from django.db.models import QuerySet

from .errors import ValidationFailed
from .models import Region, RegionLevel, region_prefix

__all__ = [
    "Region",
    "RegionLevel",
    "county_code_of",
    "get_region",
    "list_descendants",
    "region_path",
    "region_prefix",
    "township_code_of",
]


def get_region(code: str) -> Region:
    try:
        return Region.objects.get(code=code)
    except Region.DoesNotExist:
        raise ValidationFailed(f"行政区划代码不存在：{code}", code="unknown_region", field="region") from None


def list_descendants(code: str, *, level: str | None = None) -> QuerySet[Region]:
    regions = Region.objects.filter(code__startswith=region_prefix(code)).exclude(code=code)
    if level:
        regions = regions.filter(level=level)
    return regions


def region_path(code: str) -> list[Region]:
    """The region and its ancestors, city first (for breadcrumbs and addresses)."""
    path: list[Region] = []
    region: Region | None = get_region(code)
    while region is not None:
        path.append(region)
        region = region.parent
    return list(reversed(path))


def county_code_of(code: str) -> str:
    return code[:6]


def township_code_of(code: str) -> str | None:
    return code[:9] if len(code) >= 9 else None
