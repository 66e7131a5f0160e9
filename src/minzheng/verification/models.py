"""Records of 线上数据比对 + 线下走访排查 and 低收入人口动态监测.

线上比对 (findings): a :class:`VerificationRun` computes findings in the compute plane; they come back in
bulk (``actions.do_load_findings``): a finding whose fingerprint is new becomes a :class:`Finding` with one
:class:`VisitTask` (线下走访排查) for the township; a finding seen again only moves its ``last_seen_run``.
The township (or village) records the :class:`Visit`: confirmed findings go on to the case workflow.

监测 (monitoring): per period, every low-income person's category (:class:`PersonCategory`) and the warnings
of the signals (:class:`Warning`), both loaded in bulk; a warning is handled by one of the four routes.

Writes happen only in ``actions.py`` (each with its audit row).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q

from .findings.codes import FindingCode
from .monitoring.choices import Category, Layer, Route, Signal, WarningLevel


class Engine(models.TextChoices):
    DUCKDB = "duckdb", "DuckDB（单机）"
    SPARK = "spark", "Spark（集群）"


class VerificationRun(models.Model):
    """One run of the finding rules over a period's snapshot and lake data."""

    period = models.CharField("比对期间", max_length=7, help_text="YYYY-MM", db_index=True)
    engine = models.CharField("计算引擎", max_length=8, choices=Engine.choices, default=Engine.DUCKDB)
    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("载入完成时间", null=True, blank=True)
    counts = models.JSONField(
        "统计", default=dict, blank=True, help_text="新发现、再次发现、生成任务、按类别"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发起人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "数据比对批次"
        verbose_name_plural = "数据比对批次"
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.period} 第{self.pk}批"


class FindingStatus(models.TextChoices):
    OPEN = "open", "待核实"  # a field-visit task is open
    CONFIRMED = "confirmed", "核实属实，待县级处置"  # confirmed on foot; the county decides the case action
    HANDLED = "handled", "已转入救助办理"  # confirmed and a case action was taken (复核/暂停/终止/申请)
    NOT_CONFIRMED = "not_confirmed", "核实不属实"  # the visit found the data wrong or outdated
    REFUSED = "refused", "拒绝配合核实"  # the family refused the visit


class Finding(models.Model):
    """One piece of evidence from a department about one person, kept across runs by its fingerprint."""

    code = models.CharField("比对类别", max_length=32, choices=FindingCode.choices)
    person = models.ForeignKey(
        "registry.Person", verbose_name="人员", on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        "registry.Household", verbose_name="家庭户", on_delete=models.PROTECT, related_name="+"
    )
    # The household's village at the first run: findings are scoped by it (region_filter), through the
    # (region_code, status) index.
    region_code = models.CharField("所在村（社区）", max_length=12)
    source = models.CharField("数据来源", max_length=24)
    period = models.CharField("首次发现期间", max_length=7)
    record_id = models.CharField("来源记录编号", max_length=128)
    method = models.CharField("匹配方式", max_length=8, help_text="exact 身份证号精确匹配 / fuzzy 模糊匹配")
    weight = models.FloatField("匹配权重", null=True, blank=True)
    evidence = models.TextField("比对情况")
    fingerprint = models.CharField("指纹", max_length=64, unique=True)
    first_seen_run = models.ForeignKey(
        VerificationRun, verbose_name="首次发现批次", on_delete=models.PROTECT, related_name="new_findings"
    )
    last_seen_run = models.ForeignKey(
        VerificationRun, verbose_name="最近发现批次", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        "状态", max_length=16, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    created_at = models.DateTimeField("生成时间")

    class Meta:
        verbose_name = "比对发现"
        verbose_name_plural = "比对发现"
        # The foreign keys have their own indexes (household's, first_seen_run's): not indexed twice, as
        # every index costs each new finding a B-tree insert.
        indexes = [models.Index(fields=["region_code", "status"])]

    def __str__(self) -> str:
        return f"{self.get_code_display()}：{self.person_id}"


class FindingStage(models.Model):
    """The rows of one run on their way in (bulk-inserted, then merged set-based, then deleted)."""

    run = models.ForeignKey(VerificationRun, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=32)
    person_id = models.BigIntegerField()
    household_id = models.BigIntegerField()
    source = models.CharField(max_length=24)
    period = models.CharField(max_length=7)
    record_id = models.CharField(max_length=128)
    method = models.CharField(max_length=8)
    weight = models.FloatField(null=True)
    evidence = models.TextField()
    fingerprint = models.CharField(max_length=64)

    class Meta:
        verbose_name = "比对发现暂存"
        indexes = [models.Index(fields=["run", "fingerprint"])]


class TaskStatus(models.TextChoices):
    OPEN = "open", "待走访"  # overdue is derived: open and past the deadline
    DONE = "done", "已走访"  # a visit was recorded (confirmed, not confirmed or refused)


def overdue_tasks_q(today: datetime.date) -> Q:
    return Q(status=TaskStatus.OPEN, deadline__lt=today)


class VisitTask(models.Model):
    """线下走访排查: one per finding, for the township of the household's village."""

    finding = models.OneToOneField(
        Finding, verbose_name="比对发现", on_delete=models.PROTECT, related_name="task"
    )
    township_code = models.CharField("乡镇（街道）", max_length=9, db_index=True)
    village_code = models.CharField("村（社区）", max_length=12, db_index=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="走访责任人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    deadline = models.DateField("走访时限")
    status = models.CharField("状态", max_length=8, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    created_at = models.DateTimeField("生成时间")
    closed_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "走访任务"
        verbose_name_plural = "走访任务"
        indexes = [
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["assigned_to", "status"]),
        ]

    def __str__(self) -> str:
        return f"走访任务 第{self.pk}号"

    def is_overdue_on(self, today: datetime.date) -> bool:
        return self.status == TaskStatus.OPEN and today > self.deadline


class VisitOutcome(models.TextChoices):
    CONFIRMED = "confirmed", "属实"  # the finding holds: go on to the case workflow
    NOT_CONFIRMED = "not_confirmed", "不属实"  # the data is wrong or outdated: closed with the reason
    REFUSED = "refused", "拒绝配合"  # the family refused the visit: closed with the reason


class VisitCaseAction(models.TextChoices):
    NONE = "none", "仅登记（未办理救助业务）"  # nothing to do, or left to the county (暂停/终止)
    RECHECK = "recheck", "报告成员死亡，3个月内复核"  # 低保 household: do_report_member_death
    SUSPEND = "suspend", "暂停发放"  # do_suspend_case (县级)
    TERMINATE = "terminate", "终止救助（特困先公示）"  # 特困: 终止前公示; others: do_terminate_case (县级)
    APPLY = "apply", "发起救助申请"  # coverage side: do_open_case (低保 or 特困)


class Visit(models.Model):
    """The field visit of a task: who went, what they found, and the case action taken."""

    task = models.OneToOneField(
        VisitTask, verbose_name="走访任务", on_delete=models.PROTECT, related_name="visit"
    )
    visited_on = models.DateField("走访日期")
    visitors = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name="走访人员", related_name="+")
    outcome = models.CharField("核实结果", max_length=16, choices=VisitOutcome.choices)
    notes = models.TextField("走访情况")
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="关联救助申请",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    case_action = models.CharField(
        "救助业务处理", max_length=12, choices=VisitCaseAction.choices, default=VisitCaseAction.NONE
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间")

    class Meta:
        verbose_name = "走访记录"
        verbose_name_plural = "走访记录"

    def __str__(self) -> str:
        return f"{self.visited_on} {self.get_outcome_display()}"


class VisitPhoto(models.Model):
    """A photo of a visit. Stored under MEDIA_ROOT/visits/, served only by the access-checked view."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="photos")
    file = models.FileField("照片", upload_to="visits/%Y/%m/")
    original_name = models.CharField("原文件名", max_length=255)
    size = models.PositiveIntegerField("大小（字节）")
    content_type = models.CharField("类型", max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间")

    class Meta:
        verbose_name = "走访照片"
        verbose_name_plural = "走访照片"

    def __str__(self) -> str:
        return self.original_name


# --- 低收入人口动态监测 ------------------------------------------------------------------------------------


class PersonCategory(models.Model):
    """A person's low-income category in a period (the highest one that applies), with its layer.

    Written only by ``do_load_monitoring``, from a snapshot of the registry, half a million rows a month:
    the references to the person and the household are not database constraints (checking two foreign
    keys per row took 60 % of a first load on PostgreSQL); deleting a referenced person or household
    is still refused by Django (PROTECT)."""

    period = models.CharField("监测期间", max_length=7)
    person = models.ForeignKey(
        "registry.Person",
        verbose_name="人员",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name="家庭户",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    region_code = models.CharField("所在村（社区）", max_length=12)
    category = models.CharField("类别", max_length=24, choices=Category.choices)
    layer = models.PositiveSmallIntegerField("层级", choices=Layer.choices)
    basis = models.CharField("认定依据", max_length=200, blank=True)

    class Meta:
        verbose_name = "低收入人口类别"
        verbose_name_plural = "低收入人口类别"
        # One index only: a month is half a million rows, and every other index costs its load a
        # B-tree of random inserts (a region index tripled it on SQLite). Counts by region are read
        # from LowIncomeCount; a person's category by (period, person).
        constraints = [
            models.UniqueConstraint(fields=["period", "person"], name="verification_one_category_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.get_category_display()}"


class LowIncomeCount(models.Model):
    """Persons of a category in a village (村/社区) in a period: the indicators' counts, written with the
    period's categories (one row per village and category, so any jurisdiction sums a few thousand rows)."""

    period = models.CharField("监测期间", max_length=7)
    region_code = models.CharField("所在村（社区）", max_length=12)
    category = models.CharField("类别", max_length=24, choices=Category.choices)
    persons = models.PositiveIntegerField("人数")

    class Meta:
        verbose_name = "低收入人口人数"
        verbose_name_plural = "低收入人口人数"
        constraints = [
            models.UniqueConstraint(
                fields=["period", "region_code", "category"], name="verification_one_count_per_village"
            )
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.region_code} {self.get_category_display()} {self.persons}"


class WarningStatus(models.TextChoices):
    OPEN = "open", "待处置"  # pushed to the township / department
    HANDLED = "handled", "已处置"  # handled by its route, with a note


class Warning(models.Model):
    """A monitoring warning (监测预警) of a person in a period: a signal, its level and its route."""

    period = models.CharField("监测期间", max_length=7)
    person = models.ForeignKey(
        "registry.Person", verbose_name="人员", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    household = models.ForeignKey(
        "registry.Household", verbose_name="家庭户", on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField("所在村（社区）", max_length=12)
    signal = models.CharField("预警指标", max_length=16, choices=Signal.choices)
    level = models.CharField("预警等级", max_length=8, choices=WarningLevel.choices)
    route = models.CharField("处置方式", max_length=16, choices=Route.choices)
    detail = models.CharField("预警情况", max_length=300)
    status = models.CharField("状态", max_length=8, choices=WarningStatus.choices, default=WarningStatus.OPEN)
    created_at = models.DateTimeField("生成时间")
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="处置人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handled_at = models.DateTimeField("处置时间", null=True, blank=True)
    handling_note = models.TextField("处置情况", blank=True)

    class Meta:
        verbose_name = "监测预警"
        verbose_name_plural = "监测预警"
        indexes = [models.Index(fields=["period", "region_code", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "person", "signal"], name="verification_one_warning_per_signal"
            )
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.get_signal_display()}（{self.get_level_display()}）"
