"""The vocabularies of 低收入人口动态监测 (policy-rules §4.1–§4.2), each value with its meaning."""

from __future__ import annotations

from django.db import models


class Category(models.TextChoices):
    """The six categories of the low-income population (S5 §2), in the order they take precedence."""

    DIBAO = "dibao", "最低生活保障对象"  # a live dibao entitlement
    TEKUN = "tekun", "特困人员"  # a live 特困 entitlement
    FANPIN = "fanpin", "防止返贫监测对象"  # linked to the 乡村振兴 monitoring list
    EDGE = "edge", "最低生活保障边缘家庭成员"  # per-capita income < 1.5 × standard, property within the rules
    RIGID = "rigid", "刚性支出困难家庭成员"  # medical + education costs large against income
    OTHER = "other", "其他困难人员"  # a hardship signal and income below the configured line


CATEGORY_ORDER: tuple[Category, ...] = tuple(Category)


class Layer(models.IntegerChoices):
    """分层 (S5 §4): which layer of the assistance menu a category belongs to [K]."""

    CORE = 1, "核心层：基本生活救助（低保、特困）"
    MIDDLE = 2, "中间层：专项救助（防返贫监测、低保边缘、刚性支出困难）"
    OUTER = 3, "外围层：急难社会救助（其他困难人员）"


LAYER_OF: dict[Category, Layer] = {
    Category.DIBAO: Layer.CORE,
    Category.TEKUN: Layer.CORE,
    Category.FANPIN: Layer.MIDDLE,
    Category.EDGE: Layer.MIDDLE,
    Category.RIGID: Layer.MIDDLE,
    Category.OTHER: Layer.OUTER,
}


class Signal(models.TextChoices):
    """预警指标 (S4: 重病、残疾、就学、失业; plus the death of a member and a drop of income)."""

    ILLNESS = "illness", "重病"  # out-of-pocket medical costs over the warning lines
    DISABILITY = "disability", "残疾"  # a severe (grade 1–2) disability certificate issued recently
    SCHOOLING = "schooling", "就学"  # a student recognised as from a poor family
    UNEMPLOYMENT = "unemployment", "失业"  # registered unemployed
    DEATH = "death", "死亡"  # a member of the household died
    INCOME_DROP = "income_drop", "收入下降"  # departmental monthly income well below the earlier period's


class WarningLevel(models.TextChoices):
    GENERAL = "general", "一般"  # watch at the next regular visit
    SERIOUS = "serious", "较重"  # visit within the month
    SEVERE = "severe", "严重"  # act now


class Route(models.TextChoices):
    """分类处置 (S5 §3): the four ways to handle a warning."""

    DELIVER = "deliver", "应享未享：落实救助政策"  # covered, but the specialised help may not be delivered
    PUSH = "push", "未纳入：推送相关部门"  # not covered, possibly eligible: push by type of difficulty
    CASE_BY_CASE = "case_by_case", "情况复杂：一事一议"  # several serious signals: the county's coordination
    VERIFY = "verify", "可能不再符合：核实处置"  # e.g. a recipient died: verify, re-check or terminate
