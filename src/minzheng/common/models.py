"""The GB/T 2260 region tree: city (6 digits) → county (6) → township (9) → village/community (12)."""

from __future__ import annotations

from django.db import models


class RegionLevel(models.TextChoices):
    PROVINCE = "province", "省"
    CITY = "city", "市"
    COUNTY = "county", "县（市、区）"
    TOWNSHIP = "township", "乡（镇、街道）"
    VILLAGE = "village", "村（社区）"


class UrbanRural(models.TextChoices):
    URBAN = "urban", "城市"
    RURAL = "rural", "农村"


def region_prefix(code: str) -> str:
    """The prefix every code under ``code`` starts with.

    GB/T 2260 pads higher levels with zeros: the city 530600 covers 5306xx, the province 530000 covers
    53xxxxx; 9- and 12-digit codes are their own prefix.
    """
    if len(code) == 6:
        if code.endswith("0000"):
            return code[:2]
        if code.endswith("00"):
            return code[:4]
    return code


class Region(models.Model):
    code = models.CharField("区划代码", max_length=12, primary_key=True)
    name = models.CharField("名称", max_length=64)
    level = models.CharField("层级", max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级区划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    urban_rural = models.CharField(
        "城乡属性", max_length=8, choices=UrbanRural.choices, blank=True, help_text="村（社区）级填写"
    )
    census_population = models.BigIntegerField("2020年人口普查常住人口", null=True, blank=True)

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def prefix(self) -> str:
        return region_prefix(self.code)

    def covers(self, code: str) -> bool:
        return code.startswith(self.prefix)
