"""Records of the case workflow: the case, its timeline, home visits, 信息核对 requests, 公示 and
objections, re-checks, the close-relative register and the bureau's working-day overrides.

Writes happen only in ``actions.py`` (each with its CaseEvent and audit row); the state machine's rules are
in ``workflow.py``.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q

from .choices import (
    OPEN_STATUSES,
    PERSON_SCHEMES,
    CaseEventType,
    CaseStatus,
    CountyOpinion,
    InvestigationKind,
    ObjectionResolution,
    ObjectionStatus,
    PublicityKind,
    PublicityOutcome,
    RecheckBasis,
    RecheckStatus,
    Recommendation,
    Relative,
    Scheme,
    StaffPosition,
    Step,
    TemporarySubtype,
    TerminationReason,
    VerificationStatus,
)


def overdue_q(today: datetime.date) -> Q:
    """Cases whose current step is past its deadline (a step with nothing pending has none)."""
    return Q(step_deadline__lt=today) & ~Q(step=Step.DONE)


class Case(models.Model):
    """One application for one scheme, from 受理 to the decision, then the recipient's file (re-checks,
    changes, suspension, termination)."""

    scheme = models.CharField("救助类别", max_length=24, choices=Scheme.choices)
    temporary_subtype = models.CharField(
        "临时救助类型", max_length=16, choices=TemporarySubtype.choices, blank=True
    )
    household = models.ForeignKey(
        "registry.Household", verbose_name="家庭户", on_delete=models.PROTECT, related_name="cases"
    )
    applicant = models.ForeignKey(
        "registry.Person", verbose_name="申请人", on_delete=models.PROTECT, related_name="+"
    )
    beneficiary = models.ForeignKey(
        "registry.Person",
        verbose_name="救助对象",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="按人认定的类别（特困、孤儿、事实无人抚养、两项补贴）填写；其他类别为整户",
    )
    # A copy of household.region at 受理: the case is scoped by it even if the household moves later.
    region = models.ForeignKey(
        "common.Region", verbose_name="所在村（社区）", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField("状态", max_length=16, choices=CaseStatus.choices)
    step = models.CharField("当前环节", max_length=24, choices=Step.choices)
    step_trail = models.JSONField("环节轨迹", default=list, help_text="经过的环节（任务回退时出栈）")
    step_started_on = models.DateField("进入当前环节日期")
    step_deadline = models.DateField("当前环节办理时限", null=True, blank=True)
    total_deadline = models.DateField("全程办理时限", null=True, blank=True)
    round = models.PositiveSmallIntegerField("轮次", default=1, help_text="公示有异议重新调查后加一")
    round_started_on = models.DateField("本轮起算日期", null=True, blank=True)

    opened_at = models.DateTimeField("申请登记时间")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    accepted_on = models.DateField("受理日期", null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="受理人",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    investigation_started_on = models.DateField("调查开始日期", null=True, blank=True)
    county_received_on = models.DateField("县级收件日期", null=True, blank=True)

    is_related_party = models.BooleanField(
        "近亲属备案（单独登记）", default=False, help_text="家庭成员是经办人员或村（居）委会成员的近亲属"
    )
    special_case = models.BooleanField(
        "特殊情况（延长至45个工作日）", default=False, help_text="公示有异议、人户分离、异地申办等"
    )
    delegated = models.BooleanField("审核确认权限已下放乡镇（20个工作日）", default=False)

    proposed_amount = models.DecimalField(
        "初审拟救助金额（元）", max_digits=12, decimal_places=2, null=True, blank=True
    )
    preliminary_recommendation = models.CharField(
        "初审意见", max_length=12, choices=Recommendation.choices, blank=True
    )
    county_opinion = models.CharField(
        "区县审查意见", max_length=12, choices=CountyOpinion.choices, blank=True
    )
    spot_check_drawn = models.BooleanField("已参加抽查抽取", default=False)
    spot_check_selected = models.BooleanField("被抽中抽查", default=False)
    spot_check_findings = models.TextField("抽查情况", blank=True)

    monthly_amount = models.DecimalField(
        "救助金额（元）",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="按月发放的为月额；临时救助为一次性金额",
    )
    category = models.CharField("类别／档次", max_length=64, blank=True)
    decision_json = models.JSONField("测算结果", default=dict, blank=True)
    decided_on = models.DateField("审核确认日期", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核确认人",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    payment_start_month = models.DateField("起始发放月份", null=True, blank=True)
    amount_effective_month = models.DateField("现金额起始月份", null=True, blank=True)
    advance_assistance = models.BooleanField("先行救助", default=False)
    paperwork_pending = models.BooleanField("先行救助后待补办手续", default=False)
    income_unstable = models.BooleanField(
        "收入不稳定且有劳动能力（每半年复核）", default=False, help_text="审核确认时按家庭成员情况认定"
    )
    rejection_reasons = models.TextField("不予确认理由", blank=True)
    rejection_notice_sent_on = models.DateField("不予确认通知送达日期", null=True, blank=True)
    suspended_from = models.DateField("暂停发放起始月份", null=True, blank=True)
    terminated_from = models.DateField("终止起始月份", null=True, blank=True)
    termination_reason = models.CharField(
        "终止原因", max_length=32, choices=TerminationReason.choices, blank=True
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "救助申请"
        verbose_name_plural = "救助申请"
        indexes = [
            models.Index(fields=["region", "step"]),
            models.Index(fields=["step_deadline"]),
            models.Index(fields=["status", "scheme"]),
        ]
        constraints = [
            # One open case per household and scheme (per person for the person-level schemes).
            models.UniqueConstraint(
                fields=["household", "scheme"],
                condition=Q(status__in=OPEN_STATUSES) & ~Q(scheme__in=sorted(PERSON_SCHEMES)),
                name="cases_one_open_case_per_household_scheme",
            ),
            models.UniqueConstraint(
                fields=["beneficiary", "scheme"],
                condition=Q(status__in=OPEN_STATUSES) & Q(scheme__in=sorted(PERSON_SCHEMES)),
                name="cases_one_open_case_per_person_scheme",
            ),
            models.CheckConstraint(
                condition=Q(scheme=Scheme.TEMPORARY, temporary_subtype__in=TemporarySubtype.values)
                | (~Q(scheme=Scheme.TEMPORARY) & Q(temporary_subtype="")),
                name="cases_temporary_subtype_iff_temporary",
            ),
            models.CheckConstraint(
                condition=Q(monthly_amount__isnull=True) | Q(monthly_amount__gte=0),
                name="cases_amount_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_scheme_display()} 第{self.pk}号"

    def is_overdue_on(self, today: datetime.date) -> bool:
        return self.step != Step.DONE and self.step_deadline is not None and today > self.step_deadline


class CaseEvent(models.Model):
    """One entry of the case's timeline. Written only by ``events.py``, one writer per event type."""

    case = models.ForeignKey(Case, verbose_name="救助申请", on_delete=models.PROTECT, related_name="events")
    step = models.CharField("环节", max_length=24, choices=Step.choices)
    event_type = models.CharField("事件", max_length=32, choices=CaseEventType.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="经办人", on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField("时间")
    note = models.TextField("说明", blank=True)
    data = models.JSONField("内容", default=dict, blank=True)

    class Meta:
        verbose_name = "办理记录"
        verbose_name_plural = "办理记录"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"]), models.Index(fields=["actor", "event_type"])]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.get_event_type_display()}"


class CaseAttachment(models.Model):
    """A photo or scan (入户调查, 民主评议 photos, signed forms). Files are kept under MEDIA_ROOT/cases/."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    event = models.ForeignKey(CaseEvent, on_delete=models.PROTECT, related_name="attachments", null=True)
    file = models.FileField("文件", upload_to="cases/%Y/%m/")
    original_name = models.CharField("原文件名", max_length=255)
    size = models.PositiveIntegerField("大小（字节）")
    content_type = models.CharField("类型", max_length=100, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间")

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"

    def __str__(self) -> str:
        return self.original_name


class Investigation(models.Model):
    """A 入户调查 (or the county's own home visit): ≥2 staff, the findings, the family members who signed."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="investigations")
    kind = models.CharField("类型", max_length=20, choices=InvestigationKind.choices)
    round = models.PositiveSmallIntegerField("轮次")
    visited_on = models.DateField("调查日期")
    investigators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="调查人员", related_name="+"
    )
    findings = models.TextField("调查情况")
    family_signatories = models.CharField("签字的在场家庭成员", max_length=200)
    is_remote = models.BooleanField("电话或视频方式（重大突发事件期间）", default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    event = models.OneToOneField(CaseEvent, on_delete=models.PROTECT, related_name="investigation")

    class Meta:
        verbose_name = "入户调查"
        verbose_name_plural = "入户调查"
        ordering = ["visited_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.visited_on}"


class VerificationRequest(models.Model):
    """A request for 家庭经济状况信息核对; the verification module answers it later."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="verification_requests")
    round = models.PositiveSmallIntegerField("轮次")
    requested_on = models.DateField("申请日期")
    start_due_on = models.DateField("县级启动核对时限", help_text="申请后3个工作日内启动")
    items = models.JSONField("核对事项", default=list)
    status = models.CharField(
        "状态", max_length=12, choices=VerificationStatus.choices, default=VerificationStatus.PENDING
    )
    answered_on = models.DateField("反馈日期", null=True, blank=True)
    result = models.JSONField("核对结果", default=dict, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "信息核对申请"
        verbose_name_plural = "信息核对申请"

    def __str__(self) -> str:
        return f"{self.case_id} {self.requested_on}"


class Publicity(models.Model):
    """A 公示: 7 calendar days from ``started_on`` to ``ends_on`` inclusive."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="publicities")
    kind = models.CharField("类型", max_length=12, choices=PublicityKind.choices)
    round = models.PositiveSmallIntegerField("轮次")
    started_on = models.DateField("公示开始日期")
    ends_on = models.DateField("公示截止日期")
    closed_on = models.DateField("公示结束日期", null=True, blank=True)
    outcome = models.CharField("结果", max_length=16, choices=PublicityOutcome.choices, blank=True)
    proposed_amount = models.DecimalField(
        "公示金额（元）", max_digits=12, decimal_places=2, null=True, blank=True
    )
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "公示"
        verbose_name_plural = "公示"
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(closed_on__isnull=True), name="cases_one_running_publicity"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_on}–{self.ends_on}"


class Objection(models.Model):
    """An objection raised during a 公示 (the objector may stay anonymous)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="objections")
    publicity = models.ForeignKey(Publicity, on_delete=models.PROTECT, related_name="objections")
    received_on = models.DateField("收到日期")
    objector = models.CharField("异议人", max_length=64, blank=True, help_text="可匿名")
    content = models.TextField("异议内容")
    status = models.CharField(
        "状态", max_length=16, choices=ObjectionStatus.choices, default=ObjectionStatus.PENDING
    )
    resolution = models.CharField("处理方式", max_length=20, choices=ObjectionResolution.choices, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "公示异议"
        verbose_name_plural = "公示异议"

    def __str__(self) -> str:
        return f"{self.case_id} {self.received_on}"


class Recheck(models.Model):
    """A scheduled or recorded periodic re-check (复核) of a recipient."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="rechecks")
    due_on = models.DateField("应复核日期")
    basis = models.CharField("复核依据", max_length=16, choices=RecheckBasis.choices)
    status = models.CharField(
        "状态", max_length=12, choices=RecheckStatus.choices, default=RecheckStatus.SCHEDULED
    )
    done_on = models.DateField("复核日期", null=True, blank=True)
    changed = models.BooleanField("有重大变化", null=True)
    old_amount = models.DecimalField("原金额", max_digits=12, decimal_places=2, null=True, blank=True)
    new_amount = models.DecimalField("新金额", max_digits=12, decimal_places=2, null=True, blank=True)
    effective_month = models.DateField("新金额起始月份", null=True, blank=True)
    note = models.TextField("说明", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        verbose_name = "复核"
        verbose_name_plural = "复核"
        indexes = [models.Index(fields=["status", "due_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status=RecheckStatus.SCHEDULED),
                name="cases_one_scheduled_recheck",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.due_on}"


class CloseRelative(models.Model):
    """近亲属备案: a person who is a close relative of a case worker or a village-committee member.
    A case whose household includes such a person is registered separately and needs a county home visit
    (S1 art. 11 and 20)."""

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="工作人员账号",
        on_delete=models.PROTECT,
        related_name="close_relatives",
        null=True,
        blank=True,
        help_text="村（居）委会成员没有系统账号时留空",
    )
    staff_name = models.CharField("工作人员姓名", max_length=64)
    staff_position = models.CharField("职务类别", max_length=20, choices=StaffPosition.choices)
    region = models.ForeignKey(
        "common.Region", verbose_name="工作人员所在区划", on_delete=models.PROTECT, related_name="+"
    )
    relative_id_number = models.CharField("近亲属身份证号", max_length=18, db_index=True)
    relative_name = models.CharField("近亲属姓名", max_length=64)
    relation = models.CharField("关系", max_length=24, choices=Relative.choices)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField("备案时间")
    is_active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "近亲属备案"
        verbose_name_plural = "近亲属备案"
        constraints = [
            models.UniqueConstraint(
                fields=["staff_name", "region", "relative_id_number"],
                condition=Q(is_active=True),
                name="cases_close_relative_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.staff_name} – {self.get_relation_display()}"


class WorkdayOverride(models.Model):
    """A day the bureau declares a working day or a holiday, for years the State Council calendar in
    ``chinesecalendar`` does not cover yet (each December: enter the next year's notice), or a local
    arrangement. An override wins over the library."""

    day = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("工作日")
    note = models.CharField("依据", max_length=200, help_text="如：国办发明电〔2026〕X号 元旦放假")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "工作日调整"
        verbose_name_plural = "工作日调整"
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {'上班' if self.is_workday else '休息'}"
