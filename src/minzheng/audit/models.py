"""The audit log. Rows are never updated or deleted; each row's hash covers the previous row's hash, so
altering or removing any row breaks the chain from that row on (``minzheng audit verify`` says where)."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models


class AuditEvent(models.TextChoices):
    USER_CREATED = "user.created", "创建用户"
    USER_UPDATED = "user.updated", "修改用户"
    REGIONS_LOADED = "regions.loaded", "导入行政区划"
    HOUSEHOLD_CREATED = "household.created", "新建家庭户"
    HOUSEHOLD_UPDATED = "household.updated", "修改家庭户"
    PERSON_CREATED = "person.created", "新建人员"
    PERSON_UPDATED = "person.updated", "修改人员信息"
    MEMBERSHIP_ADDED = "membership.added", "家庭成员加入"
    MEMBERSHIP_ENDED = "membership.ended", "家庭成员迁出"
    INCOME_RECORDED = "income.recorded", "登记收入"
    ASSET_RECORDED = "asset.recorded", "登记财产"
    PERSONAL_DATA_REVEALED = "personal_data.revealed", "查看完整个人信息"
    EXPORT_DOWNLOADED = "export.downloaded", "导出数据"
    IMPORT_STAGED = "import.staged", "上传导入文件"
    IMPORT_COMMITTED = "import.committed", "确认导入"
    IMPORT_REJECTED = "import.rejected", "导入未通过校验"
    SYNTH_LOADED = "synth.loaded", "载入模拟城市数据"
    STANDARD_CHANGE_CONFIRMED = "standard.change_confirmed", "确认提标"
    ENTITLEMENT_STARTED = "entitlement.started", "开始享受救助待遇"
    ENTITLEMENT_CHANGED = "entitlement.changed", "变更救助待遇"
    PAYROLL_FROZEN = "payroll.frozen", "冻结月度发放"
    PAYROLL_RECONCILED = "payroll.reconciled", "导入银行回盘"
    CASE_EVENT = "case.event", "办理救助申请"
    FINDINGS_LOADED = "verification.findings_loaded", "载入数据比对发现"
    TASK_ASSIGNED = "verification.task_assigned", "分派走访任务"
    VISIT_RECORDED = "verification.visit_recorded", "登记走访核实结果"
    FINDING_ACTED = "verification.finding_acted", "比对发现转入救助办理"
    MONITORING_LOADED = "monitoring.loaded", "载入低收入人口监测结果"
    WARNING_HANDLED = "monitoring.warning_handled", "处置监测预警"
    VERIFICATION_ANSWERED = "verification.requests_answered", "反馈家庭经济状况信息核对结果"


class AuditChainHead(models.Model):
    """One row holding the last id and hash, locked by every writer so that the chain stays linear."""

    last_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = "审计链头"


class AuditLog(models.Model):
    id = models.BigIntegerField(primary_key=True)
    created_at = models.DateTimeField("时间")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField("操作人账号", max_length=150, blank=True)
    event_type = models.CharField("事件", max_length=48, choices=AuditEvent.choices)
    subject_type = models.CharField("对象类型", max_length=48, blank=True)
    subject_id = models.CharField("对象编号", max_length=64, blank=True)
    region_code = models.CharField("所属区划", max_length=12, blank=True, db_index=True)
    summary = models.CharField("摘要", max_length=500, blank=True)
    data = models.JSONField("变更内容", default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    row_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"#{self.id} {self.get_event_type_display()} {self.subject_type}:{self.subject_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RuntimeError("审计日志只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise RuntimeError("审计日志只能追加，不能删除")
