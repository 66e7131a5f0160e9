"""Registry records. Anything that changes over time carries ``valid_from``/``valid_to`` so that a
household can be seen as it was on any date (``selectors.get_household_as_of``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from minzheng.common.models import UrbanRural


class Sex(models.TextChoices):
    MALE = "男", "男"
    FEMALE = "女", "女"


class HukouType(models.TextChoices):
    AGRICULTURAL = "农业户口", "农业户口"
    NON_AGRICULTURAL = "非农业户口", "非农业户口"
    RESIDENT = "居民户口", "居民户口"  # the unified type after the 2014 hukou reform


class LabourCapacity(models.TextChoices):
    ABLE = "有劳动能力", "有劳动能力"
    PARTIAL = "部分丧失劳动能力", "部分丧失劳动能力"
    NONE = "无劳动能力", "无劳动能力"


class Employment(models.TextChoices):
    FARMING = "务农", "务农"
    MIGRANT_WORK = "务工", "务工"
    FLEXIBLE = "灵活就业", "灵活就业"
    UNEMPLOYED = "无业", "无业"
    STUDENT = "在校学生", "在校学生"
    PRESCHOOL = "学龄前", "学龄前"
    RETIRED = "退休", "退休"


class IllnessCategory(models.TextChoices):
    SERIOUS = "重特大疾病", "重特大疾病"  # 单人保 and 刚性支出 rules look at this
    CHRONIC = "慢性病", "慢性病"


class DisabilityCategory(models.TextChoices):
    VISUAL = "视力", "视力残疾"
    HEARING = "听力", "听力残疾"
    SPEECH = "言语", "言语残疾"
    PHYSICAL = "肢体", "肢体残疾"
    INTELLECTUAL = "智力", "智力残疾"
    MENTAL = "精神", "精神残疾"
    MULTIPLE = "多重", "多重残疾"


class Relation(models.TextChoices):
    HEAD = "户主", "户主"
    SPOUSE = "配偶", "配偶"
    CHILD = "子女", "子女"
    PARENT = "父母", "父母"
    GRANDCHILD = "孙子女", "孙子女"
    GRANDPARENT = "祖父母", "祖父母"
    SIBLING = "兄弟姐妹", "兄弟姐妹"
    CHILD_IN_LAW = "儿媳女婿", "儿媳女婿"
    OTHER = "其他", "其他"


class ExclusionReason(models.TextChoices):
    """Why a registered member is not a 共同生活家庭成员 (《最低生活保障审核确认办法》第七条)."""

    CLERGY = "宗教教职人员（脱离家庭3年以上）", "连续三年以上脱离家庭独立生活的宗教教职人员"
    PRISON = "服刑", "在监狱内服刑人员"
    DRUG_REHAB = "强制隔离戒毒", "强制隔离戒毒人员"
    MISSING = "宣告失踪", "宣告失踪人员"
    PROVINCIAL = "省级民政认定的其他情形", "省级民政部门根据本条原则和有关程序认定的其他人员"


class IncomeCategory(models.TextChoices):
    WAGES = "工资性收入", "工资性收入"
    BUSINESS = "经营净收入", "经营净收入"
    PROPERTY = "财产净收入", "财产净收入"
    TRANSFER = "转移净收入", "转移净收入"
    OTHER = "其他收入", "其他应当计入的收入"
    EXCLUDED = "不计入收入", "不计入家庭收入的款项"


class AssetKind(models.TextChoices):
    VEHICLE = "机动车", "机动车辆"
    REAL_ESTATE = "房产", "房产（不动产）"
    DEPOSIT = "存款", "银行存款"
    SECURITIES = "有价证券", "有价证券、基金"
    INSURANCE = "商业保险", "商业保险"
    BUSINESS_SHARE = "企业股份", "企业股份（市场主体）"
    TIMBER = "林木", "林木等"
    OTHER = "其他", "其他财产"


class Person(models.Model):
    id_number = models.CharField("公民身份号码", max_length=18, unique=True)
    name = models.CharField("姓名", max_length=64)
    sex = models.CharField("性别", max_length=2, choices=Sex.choices)
    birth_date = models.DateField("出生日期")
    ethnicity = models.CharField("民族", max_length=16, default="汉族")
    hukou_type = models.CharField("户口性质", max_length=8, choices=HukouType.choices)
    hukou_region = models.ForeignKey(
        "common.Region", verbose_name="户籍所在地", on_delete=models.PROTECT, related_name="+"
    )
    phone = models.CharField("联系电话", max_length=20, blank=True)
    labour_capacity = models.CharField(
        "劳动能力", max_length=12, choices=LabourCapacity.choices, default=LabourCapacity.ABLE
    )
    employment = models.CharField("就业状况", max_length=8, choices=Employment.choices, blank=True)
    illness_category = models.CharField("患病情况", max_length=8, choices=IllnessCategory.choices, blank=True)
    is_deceased = models.BooleanField("已死亡", default=False)
    death_date = models.DateField("死亡日期", null=True, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        indexes = [models.Index(fields=["hukou_region"]), models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name


class Disability(models.Model):
    """A 残疾人证 (second-generation card): category and grade, valid over a period."""

    person = models.ForeignKey(
        Person, verbose_name="人员", on_delete=models.CASCADE, related_name="disabilities"
    )
    certificate_number = models.CharField("残疾人证号", max_length=24)
    category = models.CharField("残疾类别", max_length=4, choices=DisabilityCategory.choices)
    grade = models.PositiveSmallIntegerField("残疾等级", choices=[(g, f"{g}级") for g in (1, 2, 3, 4)])
    valid_from = models.DateField("发证日期")
    valid_to = models.DateField("注销日期", null=True, blank=True)

    class Meta:
        verbose_name = "残疾信息"
        verbose_name_plural = "残疾信息"
        constraints = [
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=4), name="disability_grade_1_to_4"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}{self.grade}级"


class Household(models.Model):
    household_number = models.CharField("家庭编号", max_length=32, unique=True)
    region = models.ForeignKey(
        "common.Region", verbose_name="所在村（社区）", on_delete=models.PROTECT, related_name="households"
    )
    urban_rural = models.CharField("城乡类别", max_length=8, choices=UrbanRural.choices)
    address = models.CharField("家庭住址", max_length=200, blank=True)
    head = models.ForeignKey(
        Person, verbose_name="户主", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "家庭户"
        verbose_name_plural = "家庭户"
        indexes = [models.Index(fields=["region"])]

    def __str__(self) -> str:
        return self.household_number


class Membership(models.Model):
    household = models.ForeignKey(
        Household, verbose_name="家庭户", on_delete=models.CASCADE, related_name="memberships"
    )
    person = models.ForeignKey(
        Person, verbose_name="人员", on_delete=models.PROTECT, related_name="memberships"
    )
    relation = models.CharField("与户主关系", max_length=8, choices=Relation.choices)
    is_cohabiting = models.BooleanField("共同生活家庭成员", default=True)
    exclusion_reason = models.CharField(
        "不计入共同生活家庭成员的原因", max_length=32, choices=ExclusionReason.choices, blank=True
    )
    valid_from = models.DateField("起始日期")
    valid_to = models.DateField("终止日期", null=True, blank=True)

    class Meta:
        verbose_name = "家庭成员关系"
        verbose_name_plural = "家庭成员关系"
        constraints = [
            # A person belongs to one household at a time.
            models.UniqueConstraint(
                fields=["person"], condition=Q(valid_to__isnull=True), name="one_open_membership"
            ),
            # A non-cohabiting member must carry the policy reason (办法第七条).
            models.CheckConstraint(
                condition=Q(is_cohabiting=True, exclusion_reason="")
                | Q(is_cohabiting=False) & ~Q(exclusion_reason=""),
                name="membership_exclusion_reason_iff_not_cohabiting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id}:{self.person_id}"


class Income(models.Model):
    """A monthly income item of a member (or of the household), valid over a period."""

    household = models.ForeignKey(
        Household, verbose_name="家庭户", on_delete=models.CASCADE, related_name="incomes"
    )
    person = models.ForeignKey(
        Person, verbose_name="收入人", null=True, blank=True, on_delete=models.PROTECT, related_name="incomes"
    )
    category = models.CharField("收入类别", max_length=8, choices=IncomeCategory.choices)
    item = models.CharField("收入项目", max_length=32)
    monthly_amount = models.DecimalField("月收入（元）", max_digits=12, decimal_places=2)
    counted = models.BooleanField("计入家庭收入", default=True)
    rule_code = models.CharField("认定规则", max_length=48, default="counted")
    valid_from = models.DateField("起始日期")
    valid_to = models.DateField("终止日期", null=True, blank=True)

    class Meta:
        verbose_name = "收入"
        verbose_name_plural = "收入"
        constraints = [models.CheckConstraint(condition=Q(monthly_amount__gte=0), name="income_not_negative")]


class Asset(models.Model):
    household = models.ForeignKey(
        Household, verbose_name="家庭户", on_delete=models.CASCADE, related_name="assets"
    )
    person = models.ForeignKey(
        Person, verbose_name="所有人", null=True, blank=True, on_delete=models.PROTECT, related_name="assets"
    )
    kind = models.CharField("财产类型", max_length=8, choices=AssetKind.choices)
    description = models.CharField("说明", max_length=200, blank=True)
    value = models.DecimalField("价值（元）", max_digits=14, decimal_places=2)
    is_exempt = models.BooleanField("豁免（维持生产生活必需）", default=False)
    valid_from = models.DateField("起始日期")
    valid_to = models.DateField("终止日期", null=True, blank=True)

    class Meta:
        verbose_name = "财产"
        verbose_name_plural = "财产"
        constraints = [models.CheckConstraint(condition=Q(value__gte=0), name="asset_value_not_negative")]


class ImportStatus(models.TextChoices):
    STAGED = "staged", "已上传待确认"  # rows validated and kept in staging, nothing written yet
    REJECTED = "rejected", "校验未通过"  # all-or-nothing mode with at least one bad row: nothing written
    COMMITTED = "committed", "已导入"
    UNCHANGED = "unchanged", "无变化"  # the same file again: nothing to write


class ImportMode(models.TextChoices):
    ALL_OR_NOTHING = "all_or_nothing", "全部正确才导入"
    GOOD_ROWS = "good_rows", "只导入正确的行"


class ImportBatch(models.Model):
    """One uploaded workbook and its staged rows."""

    kind = models.CharField("导入类型", max_length=32, default="households")
    file_name = models.CharField("文件名", max_length=255)
    file_sha256 = models.CharField("文件摘要", max_length=64, db_index=True)
    mode = models.CharField("导入方式", max_length=16, choices=ImportMode.choices)
    status = models.CharField(
        "状态", max_length=16, choices=ImportStatus.choices, default=ImportStatus.STAGED
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT)
    region = models.ForeignKey(
        "common.Region", verbose_name="导入范围", on_delete=models.PROTECT, related_name="+"
    )
    total_rows = models.PositiveIntegerField("总行数", default=0)
    bad_rows = models.PositiveIntegerField("错误行数", default=0)
    created_rows = models.PositiveIntegerField("新增", default=0)
    updated_rows = models.PositiveIntegerField("更新", default=0)
    unchanged_rows = models.PositiveIntegerField("未变化", default=0)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "导入批次"
        verbose_name_plural = "导入批次"


class ImportRow(models.Model):
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField("行号")
    data = models.JSONField("数据")
    errors = models.JSONField("错误", default=dict, blank=True, help_text="{列名: 中文错误说明}")

    class Meta:
        verbose_name = "导入行"
        verbose_name_plural = "导入行"
        ordering = ["batch", "row_number"]
