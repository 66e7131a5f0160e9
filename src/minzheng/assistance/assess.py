"""``assess``: one JSON document in (a household, a scheme, a date, optional parameter overrides), one
decision out. Shared by the ``minzheng assess`` command and the ``POST /api/assess`` endpoint.

The input is described once, as a small tree of field specifications (:data:`INPUT`): the same tree
validates a payload — every error names its field by JSON path, in Chinese, e.g.
``household.members[2].id_number`` — and generates the JSON Schema (:func:`input_schema`, written to
docs/assess/schema.json). No Django here: this module imports only the pure domain and ``minzheng.common``.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal
from pathlib import Path
from typing import Any

from minzheng.common.errors import ValidationFailed
from minzheng.common.ids import InvalidIdNumber, normalize_id_number, parse_id_number
from minzheng.common.money import yuan

from .domain.children import assess_child
from .domain.decision import Decision
from .domain.defaults import default_profile, default_standards
from .domain.dibao import PAYER_ELDERLY_CARER, PAYER_SIBLING, assess_dibao
from .domain.disability import assess_disability_subsidies
from .domain.elderly import assess_elderly_allowance
from .domain.facts import (
    AssetItem,
    ChildApplication,
    HouseholdFacts,
    IncomeItem,
    MemberFacts,
    MemberSelection,
    ParentSituation,
    ReceivedBenefit,
    RigidExpenditure,
    SelfCare,
    Supporter,
    TekunApplication,
    TemporaryApplication,
    VagrancyApplication,
)
from .domain.params import Confidence, PolicyProfile, Standards
from .domain.tekun import assess_tekun
from .domain.temporary import assess_temporary
from .domain.vagrancy import assess_vagrancy
from .domain.vocabulary import (
    SCHEME_NAMES,
    AssetKind,
    BenefitKind,
    ChildCare,
    DisabilityCategory,
    Education,
    Employment,
    ExclusionReason,
    IncomeCategory,
    LabourCapacity,
    ParentStatus,
    Relation,
    RigidKind,
    Scheme,
    Sex,
    SupporterStatus,
    SupportMode,
    TemporaryTier,
    TemporaryType,
    UrbanRural,
)

SCHEMA_ID = "https://minzheng.example/schemas/assess-input.json"
SCHEMA_PATH = Path(__file__).resolve().parents[3] / "docs" / "assess" / "schema.json"


class AssessInputError(ValidationFailed):
    """Bad assess input: ``field`` is the JSON path of the offending value."""

    code = "invalid_input"


def _error(code: str, message: str, path: str) -> AssessInputError:
    return AssessInputError(message, code=code, field=path)


# --- the field specification tree ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    description: str = ""

    def schema(self) -> dict[str, Any]:
        raise NotImplementedError

    def parse(self, raw: Any, path: str) -> Any:
        raise NotImplementedError

    def _with_description(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {"description": self.description, **schema} if self.description else schema


@dataclass(frozen=True)
class Str(Node):
    enum: tuple[str, ...] | None = None

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string"}
        if self.enum is not None:
            schema["enum"] = list(self.enum)
        else:
            schema["minLength"] = 1
        return self._with_description(schema)

    def parse(self, raw: Any, path: str) -> str:
        if not isinstance(raw, str):
            raise _error("invalid_type", f"{path} 应为字符串，实际为 {raw!r}", path)
        value = raw.strip()
        if self.enum is not None and value not in self.enum:
            raise _error("invalid_value", f"{path} 应为 {'、'.join(self.enum)} 之一，实际为 {raw!r}", path)
        if not value:
            raise _error("missing_field", f"{path} 不能为空", path)
        return value


@dataclass(frozen=True)
class Bool(Node):
    def schema(self) -> dict[str, Any]:
        return self._with_description({"type": "boolean"})

    def parse(self, raw: Any, path: str) -> bool:
        if not isinstance(raw, bool):
            raise _error("invalid_type", f"{path} 应为 true 或 false，实际为 {raw!r}", path)
        return raw


@dataclass(frozen=True)
class Int(Node):
    minimum: int | None = None
    maximum: int | None = None

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "integer"}
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        return self._with_description(schema)

    def parse(self, raw: Any, path: str) -> int:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise _error("invalid_type", f"{path} 应为整数，实际为 {raw!r}", path)
        if self.minimum is not None and raw < self.minimum:
            raise _error("invalid_value", f"{path} 不能小于 {self.minimum}，实际为 {raw}", path)
        if self.maximum is not None and raw > self.maximum:
            raise _error("invalid_value", f"{path} 不能大于 {self.maximum}，实际为 {raw}", path)
        return raw


MONEY_PATTERN = r"^[0-9]+(\.[0-9]+)?$"


@dataclass(frozen=True)
class Money(Node):
    """Yuan: a JSON number or a decimal string; never negative; rounded to the cent (half up)."""

    def schema(self) -> dict[str, Any]:
        return self._with_description(
            {"anyOf": [{"type": "number", "minimum": 0}, {"type": "string", "pattern": MONEY_PATTERN}]}
        )

    def parse(self, raw: Any, path: str) -> Decimal:
        if isinstance(raw, bool) or not isinstance(raw, int | float | str):
            raise _error("invalid_type", f"{path} 应为金额（数字），实际为 {raw!r}", path)
        try:
            amount = yuan(raw)
        except ValueError:
            raise _error("invalid_value", f"{path} 金额格式错误：{raw!r}", path) from None
        if amount < 0:
            raise _error("negative_amount", f"{path} 金额不能为负数：{amount}", path)
        return amount


@dataclass(frozen=True)
class Date(Node):
    def schema(self) -> dict[str, Any]:
        return self._with_description({"type": "string", "format": "date"})

    def parse(self, raw: Any, path: str) -> datetime.date:
        if not isinstance(raw, str):
            raise _error("invalid_date", f"{path} 日期格式错误：{raw!r}（应为 YYYY-MM-DD）", path)
        try:
            return datetime.date.fromisoformat(raw.strip())
        except ValueError:
            raise _error("invalid_date", f"{path} 日期格式错误：{raw!r}（应为 YYYY-MM-DD）", path) from None


@dataclass(frozen=True)
class IdNumber(Node):
    def schema(self) -> dict[str, Any]:
        return self._with_description({"type": "string", "pattern": r"^([0-9]{17}[0-9Xx]|[0-9]{15})$"})

    def parse(self, raw: Any, path: str) -> str:
        if not isinstance(raw, str):
            raise _error("invalid_id_number", f"{path} 身份证号码应为字符串", path)
        try:
            return normalize_id_number(raw)
        except InvalidIdNumber as error:
            raise _error("invalid_id_number", error.message, path) from None


@dataclass(frozen=True)
class Arr(Node):
    item: Node = field(default_factory=Node)
    min_items: int = 0

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "array", "items": self.item.schema()}
        if self.min_items:
            schema["minItems"] = self.min_items
        return self._with_description(schema)

    def parse(self, raw: Any, path: str) -> list[Any]:
        if not isinstance(raw, list):
            raise _error("invalid_type", f"{path} 应为数组", path)
        if len(raw) < self.min_items:
            raise _error("missing_field", f"{path} 至少需要 {self.min_items} 项", path)
        return [self.item.parse(value, f"{path}[{i}]") for i, value in enumerate(raw)]


@dataclass(frozen=True)
class F:
    """A field of an object: its node, whether it is required, whether null is allowed."""

    node: Node
    required: bool = False
    nullable: bool = False


@dataclass(frozen=True)
class Obj(Node):
    fields: dict[str, F] = field(default_factory=dict)

    def schema(self) -> dict[str, Any]:
        properties = {}
        for name, spec in self.fields.items():
            inner = spec.node.schema()
            properties[name] = {"anyOf": [inner, {"type": "null"}]} if spec.nullable else inner
        schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
        required = [name for name, spec in self.fields.items() if spec.required]
        if required:
            schema["required"] = required
        return self._with_description(schema)

    def parse(self, raw: Any, path: str) -> dict[str, Any]:
        if not isinstance(raw, Mapping):
            raise _error("invalid_type", f"{path} 应为对象", path)
        for key in raw:
            if key not in self.fields:
                where = f"{path}.{key}"
                raise _error("unknown_field", f"未知字段：{where}", where)
        result: dict[str, Any] = {}
        for name, spec in self.fields.items():
            where = f"{path}.{name}"
            if name not in raw or (raw[name] is None and not spec.nullable):
                if spec.required:
                    raise _error("missing_field", f"缺少必填字段：{where}", where)
                continue
            result[name] = None if raw[name] is None else spec.node.parse(raw[name], where)
        return result


@dataclass(frozen=True)
class AnyObject(Node):
    """An object validated later, by a spec chosen from another field (``application`` by ``scheme``)."""

    def schema(self) -> dict[str, Any]:
        return self._with_description({"type": "object"})

    def parse(self, raw: Any, path: str) -> Any:
        if not isinstance(raw, Mapping):
            raise _error("invalid_type", f"{path} 应为对象", path)
        return raw


@dataclass(frozen=True)
class Params(Node):
    """The overrides of a parameter set, generated from the dataclass: each is a raw value or a wrapped
    {"value", "source", "confidence"}; parsed by the set's own ``from_dict``."""

    example: Callable[[], Any] = field(default=lambda: None)

    def schema(self) -> dict[str, Any]:
        example = self.example()
        properties: dict[str, Any] = {}
        for f in fields(example):
            default = getattr(example, f.name)
            raw = _param_value_schema(f.metadata)
            if f.metadata.get("plain"):
                properties[f.name] = raw
                continue
            wrapped = {
                "type": "object",
                "required": ["value"],
                "additionalProperties": False,
                "properties": {
                    "value": raw,
                    "source": {"type": "string"},
                    "confidence": {"enum": [str(c) for c in Confidence]},
                    "unit": {"type": "string"},
                    "local": {"type": "boolean"},
                },
            }
            properties[f.name] = {
                "description": f"{default.source}（默认置信度：{default.confidence}）",
                "anyOf": [raw, wrapped],
            }
        return self._with_description(
            {"type": "object", "properties": properties, "additionalProperties": False}
        )

    def parse(self, raw: Any, path: str) -> Any:
        if not isinstance(raw, Mapping):
            raise _error("invalid_type", f"{path} 应为对象", path)
        return dict(raw)


def _param_value_schema(meta: Mapping[str, Any]) -> dict[str, Any]:
    kind = meta["kind"]
    number = {"anyOf": [{"type": "number", "minimum": 0}, {"type": "string", "pattern": MONEY_PATTERN}]}
    schema: dict[str, Any]
    if kind in ("money", "decimal"):
        schema = number
    elif kind == "int":
        schema = Int(minimum=meta.get("min"), maximum=meta.get("max")).schema()
    elif kind == "bool":
        schema = {"type": "boolean"}
    elif kind == "choice":
        schema = {"enum": list(meta["choices"])}
    elif kind == "str":
        schema = {"type": "string", "minLength": 1}
    elif kind == "date":
        schema = {"type": "string", "format": "date"}
    elif kind in ("money_map", "decimal_map"):
        keys = meta.get("keys")
        if keys is None:
            schema = {
                "type": "object",
                "additionalProperties": number,
                "propertyNames": {"pattern": "^[0-9]+$"},
            }
        else:
            schema = {
                "type": "object",
                "properties": {key: number for key in keys},
                "required": list(keys),
                "additionalProperties": False,
            }
    elif kind == "str_list":
        schema = {"type": "array", "items": {"enum": list(meta["choices"])}}
    elif kind == "ratio_list":
        schema = {"type": "array", "items": number, "minItems": 1}
    else:  # pragma: no cover - a field kind added to params.py without its schema here
        raise AssertionError(kind)
    if meta.get("optional"):
        return {"anyOf": [schema, {"type": "null"}]}
    return schema


def _enum(values: Any, description: str = "") -> Str:
    return Str(description, enum=tuple(str(v) for v in values))


MEMBER_INDEX = Int("成员序号（household.members 中的下标，从 0 开始）", minimum=0)

PARENT = Obj(
    "父亲或母亲的情况（孤儿、事实无人抚养儿童认定用）",
    {
        "status": F(_enum(ParentStatus, "情况"), required=True),
        "months": F(Int("失联月数，或服刑在押、强制隔离戒毒等的期限（月）", minimum=0)),
        "disability_category": F(_enum(DisabilityCategory, "重残时的残疾类别")),
        "disability_grade": F(Int("重残时的残疾等级", minimum=1, maximum=4)),
    },
)

SELF_CARE = Obj(
    "特困人员生活自理能力评估：六项，true 为能自主完成",
    {
        "eating": F(Bool("自主吃饭"), required=True),
        "dressing": F(Bool("自主穿衣"), required=True),
        "bed_transfer": F(Bool("自主上下床"), required=True),
        "toileting": F(Bool("自主如厕"), required=True),
        "indoor_walking": F(Bool("室内自主行走"), required=True),
        "bathing": F(Bool("自主洗澡"), required=True),
    },
)

SUPPORTER = Obj(
    "不共同生活的法定赡养、抚养、扶养义务人（特困认定用）",
    {
        "name": F(Str("姓名"), required=True),
        "age": F(Int("周岁", minimum=0, maximum=150), required=True),
        "monthly_income": F(Money("本人月收入（元）")),
        "relation": F(_enum(Relation, "与申请人关系")),
        "status": F(_enum(SupporterStatus, "状况")),
        "disability_category": F(_enum(DisabilityCategory, "残疾类别")),
        "disability_grade": F(Int("残疾等级", minimum=1, maximum=4)),
        "is_tekun": F(Bool("本人为特困人员")),
        "is_dibao": F(Bool("本人为低保对象")),
        "property_within_limits": F(Bool("财产符合当地低收入家庭财产规定")),
    },
)

RECEIVED = Obj(
    "已领取的待遇（补差、重复享受规则用）",
    {
        "kind": F(_enum(BenefitKind, "待遇"), required=True),
        "monthly_amount": F(Money("月金额（元）"), required=True),
    },
)

MEMBER = Obj(
    "家庭成员。给出身份证号码时，出生日期和性别取自号码",
    {
        "name": F(Str("姓名"), required=True),
        "id_number": F(IdNumber("公民身份号码（18位，或15位旧号）")),
        "birth_date": F(Date("出生日期（未给身份证号码时必填）")),
        "sex": F(_enum(Sex, "性别")),
        "relation": F(_enum(Relation, "与户主关系")),
        "is_cohabiting": F(Bool("共同生活家庭成员（默认 true；为 false 时须注明 exclusion_reason）")),
        "exclusion_reason": F(
            _enum(ExclusionReason, "不计入共同生活家庭成员的原因（第七条）"), nullable=True
        ),
        "labour_capacity": F(_enum(LabourCapacity, "劳动能力")),
        "employment": F(_enum(Employment, "就业状况"), nullable=True),
        "disability_category": F(_enum(DisabilityCategory, "残疾类别"), nullable=True),
        "disability_grade": F(Int("残疾等级（1–4）", minimum=1, maximum=4), nullable=True),
        "serious_illness": F(Bool("患重特大疾病")),
        "chronic_illness": F(Bool("患慢性病")),
        "education": F(_enum(Education, "全日制在校就读层次"), nullable=True),
        "self_care": F(SELF_CARE, nullable=True),
        "needs_long_term_care": F(Bool("需要长期照护（护理补贴）"), nullable=True),
        "father": F(PARENT, nullable=True),
        "mother": F(PARENT, nullable=True),
        "hiv_affected": F(Bool("艾滋病病毒感染儿童")),
        "receiving_work_injury_care": F(Bool("享受工伤保险生活护理费")),
        "received_benefits": F(Arr("已领取的待遇", item=RECEIVED)),
        "supporters": F(Arr("法定义务人", item=SUPPORTER)),
    },
)

INCOME = Obj(
    "月收入项目（元/月，按收入计算期限的月均）",
    {
        "member": F(MEMBER_INDEX, nullable=True),
        "category": F(_enum(IncomeCategory, "收入类别"), required=True),
        "item": F(Str("收入项目名称（规则目录据此判断是否计入）"), required=True),
        "monthly_amount": F(Money("月金额（元）"), required=True),
        "counted": F(Bool("录入人员认定是否计入（仅在本地配置允许时覆盖规则目录）"), nullable=True),
        "payer": F(
            Str(f"支付人（{PAYER_SIBLING}、{PAYER_ELDERLY_CARER} 支付的抚养费可按 S4 豁免）"), nullable=True
        ),
    },
)

ASSET = Obj(
    "财产",
    {
        "kind": F(_enum(AssetKind, "财产类型"), required=True),
        "value": F(Money("价值（元）"), required=True),
        "member": F(MEMBER_INDEX, nullable=True),
        "exempt": F(Bool("豁免（维持家庭生产生活的必需财产等）")),
        "exempt_reason": F(Str("豁免原因（如 残疾人功能性补偿代步机动车辆）"), nullable=True),
        "description": F(Str("说明")),
        "is_legal_representative": F(Bool("该成员担任企业法定代表人")),
    },
)

RIGID = Obj(
    "月刚性支出（医疗为医保报销后的自付部分）",
    {
        "kind": F(_enum(RigidKind, "支出类别"), required=True),
        "monthly_amount": F(Money("月金额（元）"), required=True),
        "member": F(MEMBER_INDEX, nullable=True),
        "description": F(Str("说明")),
    },
)

HOUSEHOLD = Obj(
    "家庭",
    {
        "region_code": F(Str("行政区划代码（县级6位或更细，如 530602）"), required=True),
        "urban_rural": F(_enum(UrbanRural, "城乡类别：urban 城市，rural 农村"), required=True),
        "members": F(Arr("家庭成员", item=MEMBER, min_items=1), required=True),
        "incomes": F(Arr("收入", item=INCOME)),
        "assets": F(Arr("财产", item=ASSET)),
        "rigid_expenditures": F(Arr("刚性支出", item=RIGID)),
        "currently_receiving_dibao": F(Bool("目前正在享受低保")),
        "previous_monthly_amount": F(Money("原月低保金（渐退用）"), nullable=True),
        "income_rise_cause": F(_enum(("就业", "其他"), "收入增加原因（渐退用）"), nullable=True),
        "months_already_in_gradual_exit": F(Int("已享受渐退期月数", minimum=0)),
    },
)

APPLICATIONS: dict[Scheme, Obj] = {
    Scheme.DIBAO: Obj("低保：无需申请事项", {}),
    Scheme.TEKUN: Obj(
        "特困申请事项",
        {
            "member": F(MEMBER_INDEX),
            "support_mode": F(_enum(SupportMode, "供养方式")),
            "chooses_child_scheme": F(Bool("未成年人同时符合孤儿/事实无人抚养条件并选择该保障")),
        },
    ),
    Scheme.ORPHAN: Obj(
        "孤儿申请事项",
        {"member": F(MEMBER_INDEX), "care": F(_enum(ChildCare, "养育方式"))},
    ),
    Scheme.DE_FACTO_ORPHAN: Obj(
        "事实无人抚养儿童申请事项",
        {"member": F(MEMBER_INDEX), "care": F(_enum(ChildCare, "养育方式"))},
    ),
    Scheme.DISABILITY_SUBSIDY: Obj(
        "残疾人两项补贴：不填 member 时评估全部持证成员", {"member": F(MEMBER_INDEX)}
    ),
    Scheme.TEMPORARY: Obj(
        "临时救助申请事项",
        {
            "type": F(_enum(TemporaryType, "类型"), required=True),
            "tier": F(_enum(TemporaryTier, "困难程度"), required=True),
            "cause": F(Str("急难事由（急难型必填）")),
            "expenditure_total": F(Money("支出型：申请前12个月刚性支出合计（元）"), nullable=True),
        },
    ),
    Scheme.ELDERLY_ALLOWANCE: Obj("高龄津贴：不填 member 时评估全部成员", {"member": F(MEMBER_INDEX)}),
    Scheme.VAGRANCY: Obj(
        "流浪乞讨救助事项",
        {
            "member": F(MEMBER_INDEX),
            "start_date": F(Date("入站日期"), required=True),
            "end_date": F(Date("离站日期（未离站不填）"), nullable=True),
            "has_means": F(Bool("能自行解决食宿")),
            "has_relatives_to_rely_on": F(Bool("有亲友可投靠")),
            "is_begging_in_city": F(Bool("在城市流浪乞讨")),
        },
    ),
}

INPUT = Obj(
    "assess 输入：一户家庭、一个救助项目、一个评估日期，以及可选的标准与政策参数覆盖值",
    {
        "scheme": F(_enum(Scheme, "救助项目"), required=True),
        "as_of": F(Date("评估日期（周岁、标准均按此日计算）"), required=True),
        "household": F(HOUSEHOLD, required=True),
        "application": F(AnyObject("申请事项（按 scheme 不同而不同，见 allOf）")),
        "standards": F(Params("标准覆盖值（Standards 字段）", example=lambda: _example_standards())),
        "profile": F(Params("政策参数覆盖值（PolicyProfile 字段）", example=default_profile)),
    },
)


def _example_standards() -> Standards:
    return default_standards("530602", UrbanRural.URBAN, datetime.date(2023, 6, 30))


def input_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the assess input (docs/assess/schema.json)."""
    schema = INPUT.schema()
    all_of = []
    for scheme, spec in APPLICATIONS.items():
        all_of.append(
            {
                "if": {"properties": {"scheme": {"const": str(scheme)}}, "required": ["scheme"]},
                "then": {"properties": {"application": spec.schema()}}
                | ({"required": ["application"]} if any(f.required for f in spec.fields.values()) else {}),
            }
        )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "minzheng assess 输入",
        **schema,
        "allOf": all_of,
    }


def schema_text() -> str:
    return json.dumps(input_schema(), ensure_ascii=False, indent=2) + "\n"


def write_schema(path: Path = SCHEMA_PATH) -> None:
    path.write_text(schema_text(), encoding="utf-8")


# --- from parsed JSON to the domain's dataclasses -----------------------------------------------------------


def _member(data: dict[str, Any], path: str, as_of: datetime.date) -> MemberFacts:
    birth, sex = data.get("birth_date"), data.get("sex")
    number = data.get("id_number")
    if number is not None:
        info = parse_id_number(number)
        if birth is not None and birth != info.birth_date:
            raise _error(
                "invalid_value",
                f"{path}.birth_date 出生日期 {birth} 与身份证号码中的 {info.birth_date} 不一致",
                f"{path}.birth_date",
            )
        if sex is not None and sex != info.sex:
            raise _error("invalid_value", f"{path}.sex 性别与身份证号码（{info.sex}）不一致", f"{path}.sex")
        birth, sex = info.birth_date, info.sex
    elif birth is None:
        raise _error(
            "missing_field",
            f"缺少必填字段：{path}.birth_date（未提供身份证号码时必填）",
            f"{path}.birth_date",
        )
    if birth > as_of:
        where = f"{path}.id_number" if number is not None else f"{path}.birth_date"
        raise _error("invalid_date", f"{where} 出生日期 {birth} 晚于评估日期 {as_of}", where)
    reason = data.get("exclusion_reason")
    cohabiting = data.get("is_cohabiting", reason is None)
    if not cohabiting and reason is None:
        raise _error(
            "missing_field",
            f"缺少必填字段：{path}.exclusion_reason（不计入共同生活家庭成员时须注明原因，第七条）",
            f"{path}.exclusion_reason",
        )
    if cohabiting and reason is not None:
        raise _error(
            "invalid_value",
            f"{path}.exclusion_reason 已注明不计入原因，is_cohabiting 不能为 true",
            f"{path}.is_cohabiting",
        )
    if (data.get("disability_category") is None) != (data.get("disability_grade") is None):
        raise _error(
            "missing_field",
            f"{path}.disability_grade 残疾类别和残疾等级须同时填写",
            f"{path}.disability_grade"
            if data.get("disability_grade") is None
            else f"{path}.disability_category",
        )
    return MemberFacts(
        name=data["name"],
        birth_date=birth,
        sex=sex,
        id_number=number,
        relation=data.get("relation", Relation.HEAD),
        is_cohabiting=cohabiting,
        exclusion_reason=reason,
        labour_capacity=data.get("labour_capacity", LabourCapacity.ABLE),
        employment=data.get("employment"),
        disability_category=data.get("disability_category"),
        disability_grade=data.get("disability_grade"),
        serious_illness=data.get("serious_illness", False),
        chronic_illness=data.get("chronic_illness", False),
        education=data.get("education"),
        self_care=SelfCare(**data["self_care"]) if data.get("self_care") else None,
        needs_long_term_care=data.get("needs_long_term_care"),
        father=ParentSituation(**data["father"]) if data.get("father") else None,
        mother=ParentSituation(**data["mother"]) if data.get("mother") else None,
        hiv_affected=data.get("hiv_affected", False),
        receiving_work_injury_care=data.get("receiving_work_injury_care", False),
        received_benefits=tuple(ReceivedBenefit(**b) for b in data.get("received_benefits", [])),
        supporters=tuple(Supporter(**s) for s in data.get("supporters", [])),
    )


def _check_index(index: int | None, count: int, path: str) -> None:
    if index is not None and index >= count:
        raise _error(
            "invalid_value", f"{path} 成员序号 {index} 超出范围（共 {count} 名成员，序号从 0 开始）", path
        )


def _household(data: dict[str, Any], as_of: datetime.date) -> HouseholdFacts:
    region = data["region_code"]
    if not region.isdigit() or len(region) not in (6, 9, 12):
        raise _error(
            "invalid_value",
            f"household.region_code 应为6、9或12位数字区划代码，实际为 {region!r}",
            "household.region_code",
        )
    members = tuple(_member(m, f"household.members[{i}]", as_of) for i, m in enumerate(data["members"]))
    count = len(members)
    for name in ("incomes", "assets", "rigid_expenditures"):
        for i, item in enumerate(data.get(name, [])):
            _check_index(item.get("member"), count, f"household.{name}[{i}].member")
    for i, asset in enumerate(data.get("assets", [])):
        if asset.get("exempt") and not asset.get("exempt_reason"):
            where = f"household.assets[{i}].exempt_reason"
            raise _error("missing_field", f"缺少必填字段：{where}（豁免的财产须注明原因）", where)
    return HouseholdFacts(
        urban_rural=data["urban_rural"],
        region_code=region,
        members=members,
        incomes=tuple(IncomeItem(**item) for item in data.get("incomes", [])),
        assets=tuple(AssetItem(**item) for item in data.get("assets", [])),
        rigid_expenditures=tuple(RigidExpenditure(**item) for item in data.get("rigid_expenditures", [])),
        currently_receiving_dibao=data.get("currently_receiving_dibao", False),
        previous_monthly_amount=data.get("previous_monthly_amount"),
        income_rise_cause=data.get("income_rise_cause"),
        months_already_in_gradual_exit=data.get("months_already_in_gradual_exit", 0),
    )


def _application(scheme: Scheme, raw: Any, household: HouseholdFacts) -> Any:
    data = APPLICATIONS[scheme].parse({} if raw is None else raw, "application")
    _check_index(data.get("member"), len(household.members), "application.member")
    if scheme == Scheme.TEKUN:
        return TekunApplication(**data)
    if scheme in (Scheme.ORPHAN, Scheme.DE_FACTO_ORPHAN):
        application = ChildApplication(**data)
        child = household.members[application.member]
        for parent in ("father", "mother"):
            if getattr(child, parent) is None:
                where = f"household.members[{application.member}].{parent}"
                raise _error(
                    "missing_field",
                    f"缺少必填字段：{where}（孤儿、事实无人抚养儿童认定须填写父母情况）",
                    where,
                )
        return application
    if scheme in (Scheme.DISABILITY_SUBSIDY, Scheme.ELDERLY_ALLOWANCE):
        return MemberSelection(**data)
    if scheme == Scheme.TEMPORARY:
        if data["type"] == TemporaryType.EMERGENCY and not data.get("cause"):
            raise _error(
                "missing_field",
                "缺少必填字段：application.cause（急难型须写明急难事由）",
                "application.cause",
            )
        return TemporaryApplication(**data)
    if scheme == Scheme.VAGRANCY:
        episode = VagrancyApplication(**data)
        if episode.end_date is not None and episode.end_date < episode.start_date:
            raise _error("invalid_date", "application.end_date 离站日期早于入站日期", "application.end_date")
        return episode
    return None


def _params(
    raw: dict[str, Any] | None, household: HouseholdFacts, as_of: datetime.date
) -> tuple[Standards, PolicyProfile]:
    overrides = raw or {}
    for plain in ("region_code", "urban_rural"):
        if plain in overrides.get("standards", {}):
            where = f"standards.{plain}"
            raise _error("invalid_value", f"{where} 由 household 决定，不能覆盖", where)
    base = default_standards(household.region_code, household.urban_rural, as_of)
    standards = Standards.from_dict(overrides.get("standards", {}), base=base, path="standards")
    profile = PolicyProfile.from_dict(overrides.get("profile", {}), base=default_profile(), path="profile")
    return standards, profile


def parse_input(
    payload: Any,
) -> tuple[Scheme, datetime.date, HouseholdFacts, Any, Standards, PolicyProfile]:
    """Validate the payload and build the domain input; raises :class:`ValidationFailed` naming the field."""
    if not isinstance(payload, Mapping):
        raise _error("invalid_type", "输入应为 JSON 对象", "$")
    scheme_raw = payload.get("scheme")
    if scheme_raw is None:
        raise _error("missing_field", "缺少必填字段：scheme", "scheme")
    if scheme_raw not in {str(s) for s in Scheme}:
        raise _error(
            "unknown_scheme", f"未知的救助项目：{scheme_raw!r}（应为 {'、'.join(Scheme)} 之一）", "scheme"
        )
    data = INPUT.parse(payload, "$")
    scheme = Scheme(data["scheme"])
    as_of = data["as_of"]
    household = _household(data["household"], as_of)
    application = _application(scheme, payload.get("application"), household)
    standards, profile = _params(
        {"standards": data.get("standards", {}), "profile": data.get("profile", {})}, household, as_of
    )
    return scheme, as_of, household, application, standards, profile


def _strip_root(error: ValidationFailed) -> ValidationFailed:
    """Paths are built from "$"; report them without it (``household.members[0].name``)."""
    if error.field and error.field.startswith("$."):
        error.field = error.field[2:]
        error.message = error.message.replace("$.", "")
    return error


def run(
    scheme: Scheme,
    as_of: datetime.date,
    household: HouseholdFacts,
    application: Any,
    standards: Standards,
    profile: PolicyProfile,
) -> Decision:
    if scheme == Scheme.DIBAO:
        return assess_dibao(household, standards, profile, as_of)
    if scheme == Scheme.TEKUN:
        return assess_tekun(household, application, standards, profile, as_of)
    if scheme in (Scheme.ORPHAN, Scheme.DE_FACTO_ORPHAN):
        return assess_child(scheme, household, application, standards, profile, as_of)
    if scheme == Scheme.DISABILITY_SUBSIDY:
        return assess_disability_subsidies(household, application, standards, profile, as_of)
    if scheme == Scheme.TEMPORARY:
        return assess_temporary(household, application, standards, profile, as_of)
    if scheme == Scheme.ELDERLY_ALLOWANCE:
        return assess_elderly_allowance(household, application, standards, profile, as_of)
    return assess_vagrancy(household, application, standards, profile, as_of)


def decision_json(
    decision: Decision, scheme: Scheme, as_of: datetime.date, household: HouseholdFacts
) -> dict[str, Any]:
    return {
        "scheme": str(scheme),
        "scheme_name": SCHEME_NAMES[scheme],
        "as_of": as_of.isoformat(),
        "region_code": household.region_code,
        "urban_rural": household.urban_rural,
        "eligible": decision.eligible,
        "category": decision.category,
        "tier": decision.tier,
        "amounts": {
            "period": decision.period,
            "household": str(decision.household_amount),
            "per_person": [member.to_dict() for member in decision.members],
        },
        "details": dict(decision.details),
        "reasons": [reason.to_dict() for reason in decision.reasons],
        "params_used": {name: param.to_dict() for name, param in sorted(decision.params_used.items())},
    }


def assess_json(payload: Any) -> dict[str, Any]:
    """Assess one JSON input (see docs/assess/schema.json) and return the decision as JSON.

    Raises :class:`ValidationFailed` (``code``, Chinese ``message``, ``field`` = JSON path) on bad input.
    """
    try:
        scheme, as_of, household, application, standards, profile = parse_input(payload)
        decision = run(scheme, as_of, household, application, standards, profile)
    except ValidationFailed as error:
        raise _strip_root(error) from None
    return decision_json(decision, scheme, as_of, household)


def error_json(error: ValidationFailed) -> dict[str, Any]:
    """``{"error": {"code", "message", "field"}}`` — the shape the CLI and the API print."""
    return {"error": {"code": error.code, "message": error.message, "field": error.field}}


# --- the parameter catalog (docs/assess/README.md) --------------------------------------------------------

CATALOG_BEGIN = (
    "<!-- parameter-catalog:begin (generated by minzheng.assistance.assess.parameter_catalog_markdown) -->"
)
CATALOG_END = "<!-- parameter-catalog:end -->"


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Mapping):
        return " / ".join(f"{k}: {_shown(v)}" for k, v in value.items())
    if isinstance(value, tuple | list):
        return "、".join(_shown(v) for v in value)
    return str(value)


def parameter_catalog_markdown(as_of: datetime.date = datetime.date(2023, 6, 30)) -> str:
    """Every parameter with its Zhaotong default, unit, confidence, [L] flag and source, as Markdown tables."""
    urban = default_standards("530602", UrbanRural.URBAN, as_of)
    rural = default_standards("530621", UrbanRural.RURAL, as_of)
    lines = [
        f"标准（Standards，按区划 × 城乡 × 生效日期；默认值为 {as_of} 的占位值）：",
        "",
        "| 参数 | 城市 | 农村 | 单位 | 置信度 | 地方参数 | 来源 |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in fields(Standards):
        if f.metadata.get("plain"):
            continue
        u, r = getattr(urban, f.name), getattr(rural, f.name)
        confidence = str(u.confidence) if u.confidence == r.confidence else f"{u.confidence} / {r.confidence}"
        source = u.source if u.source == r.source else f"城市：{u.source}；农村：{r.source}"
        unit = u.unit if u.unit == r.unit else f"{u.unit or '—'} / {r.unit or '—'}"
        lines.append(
            f"| `{f.name}` | {_shown(u.value)} | {_shown(r.value)} | {unit} | {confidence} | "
            f"{_shown(u.local)} | {source} |"
        )
    profile = default_profile()
    lines += [
        "",
        "政策参数（PolicyProfile）：",
        "",
        "| 参数 | 默认值 | 单位 | 置信度 | 地方参数 | 来源 |",
        "|---|---|---|---|---|---|",
    ]
    for f in fields(PolicyProfile):
        p = getattr(profile, f.name)
        lines.append(
            f"| `{f.name}` | {_shown(p.value)} | {p.unit} | {p.confidence} | {_shown(p.local)} | {p.source} |"
        )
    return "\n".join(lines) + "\n"


def readme_with_catalog(readme: str) -> str:
    """The README text with the catalog between its markers replaced by the current one."""
    head, _, rest = readme.partition(CATALOG_BEGIN)
    _, _, tail = rest.partition(CATALOG_END)
    return f"{head}{CATALOG_BEGIN}\n{parameter_catalog_markdown()}{CATALOG_END}{tail}"
