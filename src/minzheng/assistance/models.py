"""Assistance records: the dated standards table, per-region policy profiles, entitlements (the benefit a
person is receiving), bank accounts, payroll runs and payroll lines."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from minzheng.common.models import UrbanRural


class Scheme(models.TextChoices):
    """A benefit paid through the monthly payroll (one entitlement row per person and scheme)."""

    DIBAO = "dibao", "最低生活保障"
    TEKUN = "tekun", "特困人员救助供养"
    ORPHAN = "orphan", "孤儿基本生活费"
    DE_FACTO_ORPHAN = "de_facto_orphan", "事实无人抚养儿童基本生活补贴"
    DISABILITY_LIVING = "disability_living", "困难残疾人生活补贴"
    DISABILITY_CARE = "disability_care", "重度残疾人护理补贴"
    TEMPORARY = "temporary", "临时救助"  # one-off: paid in its start month only
    ELDERLY = "elderly_allowance", "高龄津贴"


class StandardItem(models.TextChoices):
    """What a row of the standards table prices. ``tier`` says which tier of the item (or is blank)."""

    DIBAO = "dibao", "最低生活保障标准"  # unit month or year
    DIBAO_FLOOR = "dibao_floor", "差额发放保底金额"
    DIBAO_TIER = "dibao_tier", "分档发放金额（A/B/C档）"
    TEKUN_BASIC = (
        "tekun_basic",
        "特困人员基本生活标准（配置值）",
    )  # the rule pays max(this, 1.3 × urban dibao)
    TEKUN_CARE = "tekun_care", "特困人员照料护理标准（全自理/部分失能/完全失能）"
    DISPOSABLE_INCOME = "disposable_income", "上年度居民人均可支配收入"
    ORPHAN = "orphan", "孤儿基本生活费（集中/散居）"
    DISABILITY_LIVING = "disability_living", "困难残疾人生活补贴"
    DISABILITY_CARE = "disability_care", "重度残疾人护理补贴（按等级）"
    ELDERLY_ALLOWANCE = "elderly_allowance", "高龄津贴（按年龄段下限）"


class Confidence(models.TextChoices):
    CONFIRMED = "confirmed", "已核实（政策原文）"
    C2 = "C2", "已核实（二手资料）"
    K = "K", "待核实"
    PLACEHOLDER = "placeholder", "占位值（待民政局录入正式文件）"


class StandardUnit(models.TextChoices):
    MONTH = "month", "元/人·月"
    YEAR = "year", "元/人·年"


class PolicyStandard(models.Model):
    """One dated amount. 提标 is a new row with a later ``effective_from``, never an edit of an old one.

    The row in force for a place is the one of the most specific region (village → township → county →
    city → province) with the latest ``effective_from`` on or before the date.
    """

    region_code = models.CharField("适用区划", max_length=12, db_index=True)
    item = models.CharField("标准项目", max_length=24, choices=StandardItem.choices)
    urban_rural = models.CharField(
        "城乡", max_length=8, choices=UrbanRural.choices, blank=True, help_text="空：城乡通用"
    )
    tier = models.CharField("档次", max_length=16, blank=True)
    effective_from = models.DateField("执行日期")
    amount = models.DecimalField("金额（元）", max_digits=12, decimal_places=2)
    unit = models.CharField("单位", max_length=8, choices=StandardUnit.choices, default=StandardUnit.MONTH)
    source = models.CharField("依据（文件名称、文号）", max_length=300)
    confidence = models.CharField("可信度", max_length=12, choices=Confidence.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, blank=True, on_delete=models.PROTECT
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "救助标准"
        verbose_name_plural = "救助标准"
        ordering = ["region_code", "item", "urban_rural", "tier", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["region_code", "item", "urban_rural", "tier", "effective_from"],
                name="one_standard_per_cell",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="standard_amount_not_negative"),
        ]

    def __str__(self) -> str:
        tier = f"{self.tier}档" if self.tier else ""
        return f"{self.region_code} {self.get_item_display()}{tier} {self.amount}（{self.effective_from}起）"


class PolicyProfileVersion(models.Model):
    """Every other local parameter of a region from a date (``PolicyProfile.to_dict()`` with labels), and the
    payment mode (差额/分档) per urban/rural."""

    region_code = models.CharField("适用区划", max_length=12, db_index=True)
    effective_from = models.DateField("执行日期")
    values = models.JSONField("参数（含来源与可信度）")
    payment_modes = models.JSONField("低保发放方式（城市/农村）")
    note = models.CharField("说明", max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, blank=True, on_delete=models.PROTECT
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "地方政策参数"
        verbose_name_plural = "地方政策参数"
        constraints = [
            models.UniqueConstraint(
                fields=["region_code", "effective_from"], name="one_profile_per_region_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.region_code}（{self.effective_from}起）"


class EntitlementStatus(models.TextChoices):
    ACTIVE = "active", "享受中"
    SUSPENDED = "suspended", "暂停发放"  # kept, not paid (e.g. under re-check)
    ENDED = "ended", "已停发"


class Placement(models.TextChoices):
    CENTRALISED = "集中", "集中供养（机构养育）"
    DISPERSED = "散居", "分散供养（散居）"


class Entitlement(models.Model):
    """The benefit one person receives under one scheme, with the basis the payroll prices it from.

    The payroll recomputes the amount every month from this basis and the standards in force (so that a
    提标 needs no edit here): dibao from the unit's size, net income, tier and the member's 分类施保
    categories at the month; 特困 from the care tier; the child schemes from the placement less what the
    child already receives (补差); the disability subsidies from the grade; 高龄津贴 from the age band.
    """

    scheme = models.CharField("救助类别", max_length=24, choices=Scheme.choices)
    person = models.ForeignKey(
        "registry.Person", verbose_name="对象", on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        "registry.Household", verbose_name="家庭户", on_delete=models.PROTECT, related_name="entitlements"
    )
    region_code = models.CharField("所在村（社区）", max_length=12, db_index=True)
    urban_rural = models.CharField("城乡", max_length=8, choices=UrbanRural.choices)
    case_id = models.BigIntegerField("来源申请", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=12, choices=EntitlementStatus.choices, default=EntitlementStatus.ACTIVE
    )
    start_month = models.DateField("起始月份")
    end_month = models.DateField("终止月份", null=True, blank=True)
    # dibao: the unit (household, or one person under 单人保) and the member's place in it
    unit_key = models.CharField("保障单元", max_length=32, blank=True)
    unit_size = models.PositiveSmallIntegerField("保障人数", default=1)
    unit_rank = models.PositiveSmallIntegerField("单元内序号", default=0)
    unit_net_income = models.DecimalField("单元月计算收入", max_digits=12, decimal_places=2, default=0)
    tier = models.CharField(
        "档次", max_length=16, blank=True, help_text="低保A/B/C档；特困护理档；护理补贴等级"
    )
    placement = models.CharField("供养方式", max_length=4, choices=Placement.choices, blank=True)
    severe_disability = models.BooleanField("一二级重度残疾", default=False)
    serious_illness = models.BooleanField("重特大疾病", default=False)
    fixed_amount = models.DecimalField(
        "固定金额",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="渐退期原金额、临时救助金额",
    )
    changed_at = models.DateTimeField("最近变更", auto_now=True)
    created_at = models.DateTimeField("建立时间", auto_now_add=True)

    class Meta:
        verbose_name = "救助待遇"
        verbose_name_plural = "救助待遇"
        indexes = [models.Index(fields=["scheme", "status"]), models.Index(fields=["household"])]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "scheme"],
                condition=Q(status__in=["active", "suspended"]),
                name="one_live_entitlement_per_person_scheme",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_scheme_display()}:{self.person_id}"


class BankAccount(models.Model):
    """Where a person's benefits are paid (社会保障卡 or a bank card). Masked everywhere by default."""

    person = models.OneToOneField(
        "registry.Person", verbose_name="持卡人", on_delete=models.CASCADE, related_name="bank_account"
    )
    bank_name = models.CharField("开户银行", max_length=64)
    account_number = models.CharField("账号", max_length=32)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "发放账户"
        verbose_name_plural = "发放账户"

    def __str__(self) -> str:
        return self.bank_name


class PayrollStatus(models.TextChoices):
    FROZEN = "frozen", "已冻结（名单和金额不再变动）"
    RECONCILED = "reconciled", "已对账"


class PayrollRun(models.Model):
    """One month's payroll. Unique per month: running it again pays nothing twice."""

    month = models.DateField("发放月份", unique=True, help_text="该月第一天")
    status = models.CharField(
        "状态", max_length=12, choices=PayrollStatus.choices, default=PayrollStatus.FROZEN
    )
    frozen_at = models.DateTimeField("冻结时间")
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.PROTECT
    )
    inputs_sha256 = models.CharField("输入摘要", max_length=64)
    line_count = models.PositiveIntegerField("明细条数", default=0)
    total_amount = models.DecimalField("合计金额", max_digits=16, decimal_places=2, default=0)

    class Meta:
        verbose_name = "月度发放"
        verbose_name_plural = "月度发放"
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class LineKind(models.TextChoices):
    REGULAR = "regular", "正常发放"
    BACK_PAY = "back_pay", "补发"  # a change after an earlier month was frozen: the difference, paid now
    DEDUCTION = "deduction", "扣减"  # the same, when earlier months were overpaid
    REISSUE = "reissue", "重发"  # a failed or returned payment, paid again


class LineStatus(models.TextChoices):
    PENDING = "pending", "待发放"
    PAID = "paid", "已到账"
    FAILED = "failed", "发放失败"
    RETURNED = "returned", "资金退回"


class PayrollLine(models.Model):
    """One payment. Half a million rows a month at scale: only the two composite indexes below (they cover
    the run and entitlement foreign keys), so that freezing a month stays a fast bulk insert."""

    run = models.ForeignKey(
        PayrollRun, verbose_name="发放批次", on_delete=models.CASCADE, related_name="lines", db_index=False
    )
    entitlement = models.ForeignKey(
        Entitlement, verbose_name="待遇", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name="对象", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name="家庭户",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    scheme = models.CharField("救助类别", max_length=24, choices=Scheme.choices)
    county_code = models.CharField("县（市、区）", max_length=6)
    region_code = models.CharField("村（社区）", max_length=12)
    kind = models.CharField("类型", max_length=12, choices=LineKind.choices, default=LineKind.REGULAR)
    for_month = models.DateField("所属月份")
    amount = models.DecimalField("金额（元）", max_digits=12, decimal_places=2)
    bank_name = models.CharField("开户银行", max_length=64, blank=True)
    account_number = models.CharField("账号", max_length=32, blank=True)
    status = models.CharField(
        "发放状态", max_length=12, choices=LineStatus.choices, default=LineStatus.PENDING
    )
    status_note = models.CharField("说明", max_length=200, blank=True)
    reissued_in = models.ForeignKey(
        PayrollRun,
        verbose_name="已在该批次重发",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )

    class Meta:
        verbose_name = "发放明细"
        verbose_name_plural = "发放明细"
        indexes = [
            models.Index(fields=["run", "county_code"]),
            models.Index(fields=["entitlement", "for_month"]),
        ]
