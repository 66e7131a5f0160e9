"""Every local value the rules use, each with its source and confidence.

Two parameter sets:

* :class:`Standards` — the money amounts of one cell of the dated standards table, keyed by (region code,
  urban/rural, effective-from date): dibao standard, payment mode and tiers, 特困 and care amounts, orphan,
  disability and old-age rates, previous-year per-capita disposable income.
* :class:`PolicyProfile` — the rules' switches, ratios, multiples, limits and periods.

Every value is a :class:`Param` (value, source, confidence, unit, local). ``local`` is the policy text's
[L] tag (a value the province, prefecture or county sets); ``confidence`` is how sure we are of the value
itself: ``confirmed`` ([C], read in the full text), ``C2`` (a secondary page), ``K`` (best knowledge, to
verify) or ``placeholder`` (no Zhaotong source found: a labelled, editable default).

Values that the rules derive (特困 basic = max(configured, 1.3 × urban dibao); 低保边缘 line = 1.5 ×
standard; monthly = yearly ÷ 12; 事实无人抚养 rate = dispersed orphan rate) are never stored: they are
computed by the methods below and carry the weakest confidence of their inputs.

Both sets are built from a dict (``from_dict``, optionally over a ``base``) and dump to one (``to_dict``),
so the Django models of the dated standards table can load rows straight into them.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, ClassVar, Generic, Self, TypeVar

from minzheng.common.errors import ValidationFailed
from minzheng.common.money import yuan

from .vocabulary import (
    CARE_TIER,
    DibaoTier,
    PaymentMode,
    RigidKind,
    TemporaryTier,
    TemporaryType,
    UrbanRural,
)

T = TypeVar("T")


class Confidence(StrEnum):
    CONFIRMED = "confirmed"  # [C]: read in the full text of the policy document
    C2 = "C2"  # confirmed from a secondary public page
    K = "K"  # best knowledge, not verified against a full text
    PLACEHOLDER = "placeholder"  # no source for Zhaotong: a labelled default to replace


_CONFIDENCE_ORDER = [Confidence.CONFIRMED, Confidence.C2, Confidence.K, Confidence.PLACEHOLDER]

OVERRIDE_SOURCE = "调用方覆盖值（未注明来源）"


@dataclass(frozen=True)
class Param(Generic[T]):
    """A parameter value with where it comes from and how sure we are of it."""

    value: T
    source: str
    confidence: Confidence
    unit: str = ""
    local: bool = True  # [L]: a local parameter (the national rules leave it to the province/city/county)

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": _jsonable(self.value),
            "source": self.source,
            "confidence": str(self.confidence),
            "unit": self.unit,
            "local": self.local,
        }


def weakest(*params: Param[Any]) -> Confidence:
    return max((p.confidence for p in params), key=_CONFIDENCE_ORDER.index, default=Confidence.CONFIRMED)


def derived(value: T, formula: str, *inputs: Param[Any], unit: str = "") -> Param[T]:
    """A value computed from other parameters: its confidence is the weakest of theirs."""
    return Param(value, f"派生：{formula}", weakest(*inputs), unit, local=any(p.local for p in inputs))


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    return value


class ParamError(ValidationFailed):
    code = "invalid_param"


# --- conversion of one raw value, by kind -------------------------------------------------------------------


def _convert(kind: str, raw: Any, meta: Mapping[str, Any], path: str) -> Any:
    if raw is None:
        if meta.get("optional"):
            return None
        raise ParamError(f"{path} 不能为空", field=path, code="missing_field")
    if kind == "money":
        return _money(raw, path)
    if kind == "decimal":
        return _decimal(raw, path)
    if kind == "int":
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise ParamError(f"{path} 应为整数，实际为 {raw!r}", field=path, code="invalid_value")
        low, high = meta.get("min"), meta.get("max")
        if (low is not None and raw < low) or (high is not None and raw > high):
            raise ParamError(f"{path} 应在 {low}–{high} 之间，实际为 {raw}", field=path, code="invalid_value")
        return raw
    if kind == "bool":
        if not isinstance(raw, bool):
            raise ParamError(f"{path} 应为 true 或 false，实际为 {raw!r}", field=path, code="invalid_value")
        return raw
    if kind == "choice":
        if raw not in meta["choices"]:
            choices = "、".join(meta["choices"])
            raise ParamError(f"{path} 应为 {choices} 之一，实际为 {raw!r}", field=path, code="invalid_value")
        return str(raw)
    if kind == "str":
        if not isinstance(raw, str) or not raw.strip():
            raise ParamError(f"{path} 应为非空字符串", field=path, code="invalid_value")
        return raw.strip()
    if kind == "date":
        try:
            return datetime.date.fromisoformat(str(raw))
        except ValueError:
            raise ParamError(
                f"{path} 日期格式错误：{raw!r}（应为 YYYY-MM-DD）", field=path, code="invalid_date"
            ) from None
    if kind in {"money_map", "decimal_map"}:
        if not isinstance(raw, Mapping):
            raise ParamError(f"{path} 应为对象（键 → 数值）", field=path, code="invalid_value")
        keys = meta.get("keys")
        if keys is not None:
            missing = [k for k in keys if k not in raw]
            unknown = [k for k in raw if k not in keys]
            if missing or unknown:
                raise ParamError(
                    f"{path} 的键应为 {'、'.join(keys)}"
                    + (f"，缺少 {'、'.join(missing)}" if missing else "")
                    + (f"，多出 {'、'.join(map(str, unknown))}" if unknown else ""),
                    field=path,
                    code="invalid_value",
                )
        one = _money if kind == "money_map" else _decimal
        return {str(k): one(v, f"{path}.{k}") for k, v in raw.items()}
    if kind == "str_list":
        if not isinstance(raw, list | tuple):
            raise ParamError(f"{path} 应为列表", field=path, code="invalid_value")
        for i, item in enumerate(raw):
            if item not in meta["choices"]:
                raise ParamError(
                    f"{path}[{i}] 应为 {'、'.join(meta['choices'])} 之一，实际为 {item!r}",
                    field=f"{path}[{i}]",
                    code="invalid_value",
                )
        return tuple(str(item) for item in raw)
    if kind == "ratio_list":
        if not isinstance(raw, list | tuple) or not raw:
            raise ParamError(f"{path} 应为非空列表", field=path, code="invalid_value")
        return tuple(_decimal(item, f"{path}[{i}]") for i, item in enumerate(raw))
    raise AssertionError(kind)  # pragma: no cover - a programming error in a field declaration


def _money(raw: Any, path: str) -> Decimal:
    if isinstance(raw, bool):
        raise ParamError(f"{path} 金额格式错误：{raw!r}", field=path, code="invalid_value")
    try:
        amount = yuan(raw)
    except ValueError as error:
        raise ParamError(f"{path} {error}", field=path, code="invalid_value") from None
    if amount < 0:
        raise ParamError(f"{path} 不能为负数：{amount}", field=path, code="negative_amount")
    return amount


def _decimal(raw: Any, path: str) -> Decimal:
    if isinstance(raw, bool):
        raise ParamError(f"{path} 数值格式错误：{raw!r}", field=path, code="invalid_value")
    try:
        number = Decimal(repr(raw) if isinstance(raw, float) else str(raw))
    except InvalidOperation:
        raise ParamError(f"{path} 数值格式错误：{raw!r}", field=path, code="invalid_value") from None
    if not number.is_finite() or number < 0:
        raise ParamError(f"{path} 应为非负数，实际为 {raw!r}", field=path, code="invalid_value")
    return number


_WRAPPER_KEYS = frozenset({"value", "source", "confidence", "unit", "local"})


def _is_wrapped(raw: Any) -> bool:
    return isinstance(raw, Mapping) and "value" in raw and set(raw) <= _WRAPPER_KEYS


def _kind(kind: str, **meta: Any) -> dict[str, Any]:
    """Field metadata: how ``from_dict`` converts the raw value (``plain``: not wrapped in a Param)."""
    return {"kind": kind, **meta}


class _ParamSet:
    """``from_dict`` / ``to_dict`` over the dataclass fields, by the ``kind`` in each field's metadata."""

    label: ClassVar[str] = "params"

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for f in fields(self):  # type: ignore[arg-type]  # subclasses are dataclasses
            value = getattr(self, f.name)
            result[f.name] = _jsonable(value) if f.metadata.get("plain") else value.to_dict()
        return result

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, base: Self | None = None, path: str | None = None) -> Self:
        """Build from a dict. With ``base``, the dict holds overrides only; without, every field is required.

        A parameter is given either as its raw value (then the source reads 调用方覆盖值 and the confidence
        is ``placeholder``) or as ``{"value", "source", "confidence", ...}`` as ``to_dict`` writes it.
        Errors name the field (``standards.dibao_standard``).
        """
        prefix = path or cls.label
        if not isinstance(data, Mapping):
            raise ParamError(f"{prefix} 应为对象", field=prefix, code="invalid_value")
        declared = {f.name: f for f in fields(cls)}  # type: ignore[arg-type]  # subclasses are dataclasses
        for key in data:
            if key not in declared:
                raise ParamError(f"未知参数：{prefix}.{key}", field=f"{prefix}.{key}", code="unknown_field")
        values: dict[str, Any] = {}
        for name, f in declared.items():
            where = f"{prefix}.{name}"
            kind = f.metadata["kind"]
            if name not in data:
                if base is None:
                    raise ParamError(f"缺少参数：{where}", field=where, code="missing_field")
                continue
            raw = data[name]
            if f.metadata.get("plain"):
                values[name] = _convert(kind, raw, f.metadata, where)
                continue
            previous: Param[Any] | None = getattr(base, name) if base is not None else None
            if _is_wrapped(raw):
                confidence = raw.get("confidence", Confidence.PLACEHOLDER)
                if confidence not in set(Confidence):
                    raise ParamError(
                        f"{where}.confidence 应为 confirmed、C2、K、placeholder 之一，实际为 {confidence!r}",
                        field=f"{where}.confidence",
                        code="invalid_value",
                    )
                values[name] = Param(
                    _convert(kind, raw["value"], f.metadata, where),
                    str(raw.get("source", OVERRIDE_SOURCE)),
                    Confidence(confidence),
                    str(raw.get("unit", previous.unit if previous else "")),
                    bool(raw.get("local", previous.local if previous else True)),
                )
            else:
                values[name] = Param(
                    _convert(kind, raw, f.metadata, where),
                    OVERRIDE_SOURCE,
                    Confidence.PLACEHOLDER,
                    previous.unit if previous else "",
                    previous.local if previous else True,
                )
        # ``replace`` needs a dataclass instance; every subclass is a dataclass (mypy cannot see it on Self).
        built = replace(base, **values) if base is not None else cls(**values)  # type: ignore[type-var]
        built.validate(prefix)
        return built

    def validate(self, prefix: str) -> None:
        """Cross-field checks; subclasses add theirs."""


# --- the standards table cell -----------------------------------------------------------------------------

CARE_TIER_KEYS = tuple(CARE_TIER.values())  # 全自理, 部分失能, 完全失能
TIER_KEYS = tuple(str(t) for t in DibaoTier)
DISABILITY_GRADE_KEYS = ("1", "2", "3", "4")


@dataclass(frozen=True)
class Standards(_ParamSet):
    """The money amounts in force for one (region, urban/rural, date). Amounts are 元, per person."""

    label: ClassVar[str] = "standards"

    region_code: str = field(metadata=_kind("str", plain=True))
    urban_rural: str = field(metadata=_kind("choice", choices=tuple(UrbanRural), plain=True))
    effective_from: datetime.date = field(metadata=_kind("date", plain=True))

    dibao_standard: Param[Decimal] = field(metadata=_kind("money"))
    """最低生活保障标准, in the unit of ``dibao_standard_period`` (Yunnan: urban monthly, rural yearly)."""
    dibao_standard_period: Param[str] = field(metadata=_kind("choice", choices=("month", "year")))
    urban_dibao_monthly: Param[Decimal | None] = field(metadata=_kind("money", optional=True))
    """The same region's urban standard (元/人·月), for the 特困 1.3× rule; None in an urban cell (own)."""
    payment_mode: Param[str] = field(metadata=_kind("choice", choices=tuple(PaymentMode)))
    floor_per_person: Param[Decimal] = field(metadata=_kind("money"))
    """差额 mode: a computed amount below this (元/人·月) is paid at this amount."""
    tier_amounts: Param[dict[str, Decimal]] = field(metadata=_kind("money_map", keys=TIER_KEYS))
    """分档 mode: A / B / C 元/人·月."""
    tekun_basic_configured: Param[Decimal] = field(metadata=_kind("money"))
    """特困 basic-living standard as configured (元/人·月); the rule pays max(this, 1.3 × urban dibao)."""
    tekun_care: Param[dict[str, Decimal]] = field(metadata=_kind("money_map", keys=CARE_TIER_KEYS))
    """特困 照料护理 standard by self-care tier (元/人·月)."""
    disposable_income_prev_year: Param[Decimal] = field(metadata=_kind("money"))
    """上年度当地居民人均可支配收入 (元/年): the 刚性支出, 支出型临时救助 and 特困 supporter threshold."""
    orphan_institutional: Param[Decimal] = field(metadata=_kind("money"))
    orphan_dispersed: Param[Decimal] = field(metadata=_kind("money"))
    disability_living: Param[Decimal] = field(metadata=_kind("money"))
    """困难残疾人生活补贴 (元/人·月)."""
    disability_care: Param[dict[str, Decimal]] = field(
        metadata=_kind("money_map", keys=DISABILITY_GRADE_KEYS)
    )
    """重度残疾人护理补贴 by grade (元/人·月); grades 3–4 apply only where the profile extends the scheme."""
    elderly_allowance: Param[dict[str, Decimal]] = field(metadata=_kind("money_map"))
    """高龄津贴: band lower bound in 周岁 ("80", "90", "100") → 元/人·月."""

    def validate(self, prefix: str) -> None:
        if self.urban_rural == UrbanRural.RURAL and self.urban_dibao_monthly.value is None:
            raise ParamError(
                f"{prefix}.urban_dibao_monthly 农村标准须同时给出当地城市低保月标准（用于特困 1.3 倍规则）",
                field=f"{prefix}.urban_dibao_monthly",
                code="missing_field",
            )
        if self.orphan_institutional.value < self.orphan_dispersed.value:
            raise ParamError(
                f"{prefix}.orphan_institutional 机构养育孤儿标准应高于散居孤儿标准"
                f"（{self.orphan_institutional.value} < {self.orphan_dispersed.value}）",
                field=f"{prefix}.orphan_institutional",
                code="invalid_value",
            )
        for band in self.elderly_allowance.value:
            if not band.isdigit():
                raise ParamError(
                    f"{prefix}.elderly_allowance 的键应为周岁（如 80、90、100），实际为 {band!r}",
                    field=f"{prefix}.elderly_allowance",
                    code="invalid_value",
                )

    # --- derived values (never stored) ---

    @property
    def dibao_monthly(self) -> Param[Decimal]:
        """The dibao standard per person per month: the yearly standard ÷ 12 where it is set per year."""
        if self.dibao_standard_period.value == "month":
            return self.dibao_standard
        return derived(
            yuan(self.dibao_standard.value / 12), "年标准 ÷ 12", self.dibao_standard, unit="元/人·月"
        )

    @property
    def urban_reference_monthly(self) -> Param[Decimal]:
        """The local urban dibao standard per month (own standard in an urban cell)."""
        if self.urban_rural == UrbanRural.URBAN:
            return self.dibao_monthly
        value = self.urban_dibao_monthly.value
        assert value is not None  # validate() guarantees it in a rural cell
        return Param(value, self.urban_dibao_monthly.source, self.urban_dibao_monthly.confidence, "元/人·月")

    def edge_line_monthly(self, profile: PolicyProfile) -> Param[Decimal]:
        """低保边缘 line = 1.5 × the dibao standard (S1 art. 8)."""
        standard = self.dibao_monthly
        multiple = profile.edge_multiple
        return derived(
            yuan(standard.value * multiple.value),
            f"{multiple.value} × 低保月标准 {standard.value}",
            standard,
            multiple,
            unit="元/人·月",
        )

    def tekun_basic_monthly(self, profile: PolicyProfile) -> Param[Decimal]:
        """特困 basic = max(configured, 1.3 × local urban dibao monthly) (Yunnan 2020 notice, [C2])."""
        urban = self.urban_reference_monthly
        multiple = profile.tekun_basic_multiple
        floor = yuan(urban.value * multiple.value)
        configured = self.tekun_basic_configured.value
        return derived(
            max(configured, floor),
            f"max(配置值 {configured}, {multiple.value} × 城市低保月标准 {urban.value} = {floor})",
            self.tekun_basic_configured,
            urban,
            multiple,
            unit="元/人·月",
        )

    @property
    def de_facto_orphan_dispersed(self) -> Param[Decimal]:
        """事实无人抚养儿童 are paid the local orphan standard (S8, [C])."""
        return derived(
            self.orphan_dispersed.value, "= 散居孤儿标准（民发〔2019〕62号）", self.orphan_dispersed
        )

    @property
    def disposable_income_monthly(self) -> Param[Decimal]:
        annual = self.disposable_income_prev_year
        return derived(yuan(annual.value / 12), "上年度人均可支配收入 ÷ 12", annual, unit="元/人·月")


# --- the policy profile ---------------------------------------------------------------------------------

SUPPLEMENT_AGE_60 = "60至69周岁老年人"
SUPPLEMENT_AGE_70 = "70周岁以上老年人"
SUPPLEMENT_MINOR = "未成年人"
SUPPLEMENT_SEVERE_DISABILITY = "一二级重度残疾人"
SUPPLEMENT_SERIOUS_ILLNESS = "重特大疾病患者"
SUPPLEMENT_CATEGORIES = (
    SUPPLEMENT_AGE_60,
    SUPPLEMENT_AGE_70,
    SUPPLEMENT_MINOR,
    SUPPLEMENT_SEVERE_DISABILITY,
    SUPPLEMENT_SERIOUS_ILLNESS,
)

TEMPORARY_KEYS = tuple(f"{t}/{tier}" for t in TemporaryType for tier in TemporaryTier)

GRADUAL_EXIT_MAX_MONTHS = 6  # S4 (2022): 渐退期原则上不超过6个月 [C]


@dataclass(frozen=True)
class PolicyProfile(_ParamSet):
    """The rules' local switches, ratios, limits and periods (one profile per region and date)."""

    label: ClassVar[str] = "profile"

    # income
    income_lookback_months: Param[int] = field(metadata=_kind("int", min=1, max=24))
    allow_income_counted_override: Param[bool] = field(metadata=_kind("bool"))
    elderly_allowance_counted_for_dibao: Param[bool] = field(metadata=_kind("bool"))
    basic_pension_excluded_from: Param[datetime.date] = field(metadata=_kind("date"))
    basic_pension_excluded_until: Param[datetime.date] = field(metadata=_kind("date"))
    employment_cost_deduction: Param[Decimal] = field(metadata=_kind("money"))
    # 刚性支出扣减 (dibao)
    rigid_deduction_enabled: Param[bool] = field(metadata=_kind("bool"))
    rigid_deduction_kinds: Param[tuple[str, ...]] = field(
        metadata=_kind("str_list", choices=tuple(RigidKind))
    )
    rigid_deduction_requires_condition: Param[bool] = field(metadata=_kind("bool"))
    rigid_deduction_cap_per_person: Param[Decimal] = field(metadata=_kind("money"))
    rigid_deduction_cap_household: Param[Decimal] = field(metadata=_kind("money"))
    # property
    financial_assets_months_per_capita: Param[int] = field(metadata=_kind("int", min=0, max=240))
    vehicle_value_limit: Param[Decimal] = field(metadata=_kind("money"))
    max_houses: Param[int] = field(metadata=_kind("int", min=0, max=10))
    business_share_disqualifies: Param[bool] = field(metadata=_kind("bool"))
    legal_representative_disqualifies: Param[bool] = field(metadata=_kind("bool"))
    # 分档 tier rule
    tier_b_min_share: Param[Decimal] = field(metadata=_kind("decimal"))
    # 分类施保
    classified_supplements: Param[dict[str, Decimal]] = field(
        metadata=_kind("decimal_map", keys=SUPPLEMENT_CATEGORIES)
    )
    classified_supplement_mode: Param[str] = field(metadata=_kind("choice", choices=("highest", "stack")))
    # 低保边缘, 单人保
    edge_multiple: Param[Decimal] = field(metadata=_kind("decimal"))
    single_person_amount_mode: Param[str] = field(
        metadata=_kind("choice", choices=("one_person_unit", "share_of_standard"))
    )
    single_person_share: Param[Decimal] = field(metadata=_kind("decimal"))
    adult_severe_disability_requires_edge: Param[bool] = field(metadata=_kind("bool"))
    exempt_support_from_siblings_or_elderly_carer: Param[bool] = field(metadata=_kind("bool"))
    # 渐退
    gradual_exit_months: Param[int] = field(metadata=_kind("int", min=0, max=GRADUAL_EXIT_MAX_MONTHS))
    gradual_exit_schedule: Param[tuple[Decimal, ...]] = field(metadata=_kind("ratio_list"))
    gradual_exit_causes: Param[tuple[str, ...]] = field(metadata=_kind("str_list", choices=("就业", "其他")))
    # reviews and procedure
    review_months_stable: Param[int] = field(metadata=_kind("int", min=1, max=24))
    review_months_unstable: Param[int] = field(metadata=_kind("int", min=1, max=24))
    democratic_appraisal_step: Param[bool] = field(metadata=_kind("bool"))
    # 特困
    tekun_basic_multiple: Param[Decimal] = field(metadata=_kind("decimal"))
    tekun_old_age: Param[int] = field(metadata=_kind("int", min=0, max=120))
    tekun_minor_age: Param[int] = field(metadata=_kind("int", min=0, max=18))
    tekun_support_until_age: Param[int] = field(metadata=_kind("int", min=0, max=25))
    tekun_continuing_education: Param[tuple[str, ...]] = field(
        metadata=_kind("str_list", choices=("义务教育", "普通高中", "中职", "高职", "本科", "研究生"))
    )
    tekun_accept_assessed_no_labour_capacity: Param[bool] = field(metadata=_kind("bool"))
    tekun_supporter_old_age: Param[int] = field(metadata=_kind("int", min=0, max=120))
    tekun_supporter_dibao_age: Param[int] = field(metadata=_kind("int", min=0, max=120))
    self_care_partly_lost_from: Param[int] = field(metadata=_kind("int", min=1, max=6))
    self_care_fully_lost_from: Param[int] = field(metadata=_kind("int", min=1, max=6))
    # 孤儿, 事实无人抚养
    child_age_limit: Param[int] = field(metadata=_kind("int", min=0, max=25))
    lost_contact_months: Param[int] = field(metadata=_kind("int", min=0, max=120))
    custody_months: Param[int] = field(metadata=_kind("int", min=0, max=120))
    yunnan_extra_situations: Param[bool] = field(metadata=_kind("bool"))
    child_top_up_applies_to_orphans: Param[bool] = field(metadata=_kind("bool"))
    # 残疾人两项补贴
    living_subsidy_extends_to_edge: Param[bool] = field(metadata=_kind("bool"))
    care_subsidy_extends_to_non_severe_mental: Param[bool] = field(metadata=_kind("bool"))
    care_assumed_when_unknown: Param[bool] = field(metadata=_kind("bool"))
    no_living_subsidy_for_orphans: Param[bool] = field(metadata=_kind("bool"))
    no_living_subsidy_for_tekun: Param[bool] = field(metadata=_kind("bool"))
    no_care_subsidy_with_work_injury_care: Param[bool] = field(metadata=_kind("bool"))
    no_living_subsidy_with_full_de_facto: Param[bool] = field(metadata=_kind("bool"))
    # 临时救助
    temporary_months: Param[dict[str, Decimal]] = field(metadata=_kind("decimal_map", keys=TEMPORARY_KEYS))
    temporary_per_person: Param[bool] = field(metadata=_kind("bool"))
    temporary_cap_months: Param[Decimal] = field(metadata=_kind("decimal"))
    temporary_township_ceiling_months: Param[Decimal] = field(metadata=_kind("decimal"))
    temporary_rigid_ratio: Param[Decimal] = field(metadata=_kind("decimal"))
    # 流浪乞讨
    vagrancy_max_days: Param[int] = field(metadata=_kind("int", min=1, max=365))

    def validate(self, prefix: str) -> None:
        if self.basic_pension_excluded_until.value < self.basic_pension_excluded_from.value:
            raise ParamError(
                f"{prefix}.basic_pension_excluded_until 不能早于 basic_pension_excluded_from",
                field=f"{prefix}.basic_pension_excluded_until",
                code="invalid_value",
            )
        if self.self_care_fully_lost_from.value <= self.self_care_partly_lost_from.value:
            raise ParamError(
                f"{prefix}.self_care_fully_lost_from 应大于 self_care_partly_lost_from",
                field=f"{prefix}.self_care_fully_lost_from",
                code="invalid_value",
            )
        if self.temporary_township_ceiling_months.value > self.temporary_cap_months.value:
            raise ParamError(
                f"{prefix}.temporary_township_ceiling_months 不能高于 temporary_cap_months",
                field=f"{prefix}.temporary_township_ceiling_months",
                code="invalid_value",
            )
        if any(share > 1 for share in self.gradual_exit_schedule.value):
            raise ParamError(
                f"{prefix}.gradual_exit_schedule 每月比例应在 0–1 之间",
                field=f"{prefix}.gradual_exit_schedule",
                code="invalid_value",
            )
