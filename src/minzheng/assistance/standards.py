"""The dated standards table and the per-region profiles, turned into the rules' parameter sets.

Resolution: for each (item, tier), the row of the most specific region (village → township → county → city
→ province) whose ``effective_from`` is the latest on or before the date; a row for the same urban/rural
wins over a row for both. ``resolve_standards`` can also take proposed rows that are not saved yet, which is
how a 提标 is previewed before it is confirmed.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from minzheng.common.errors import ValidationFailed

from .domain.defaults import default_profile, default_standards
from .domain.params import Confidence, PolicyProfile, Standards, weakest
from .domain.params import Param as DomainParam
from .models import PolicyProfileVersion, PolicyStandard, StandardItem, StandardUnit

# Standards field → (item, tier keys or None for a single value)
_SINGLE = {
    "floor_per_person": StandardItem.DIBAO_FLOOR,
    "tekun_basic_configured": StandardItem.TEKUN_BASIC,
    "disposable_income_prev_year": StandardItem.DISPOSABLE_INCOME,
    "disability_living": StandardItem.DISABILITY_LIVING,
}
_MAPS = {
    "tier_amounts": (StandardItem.DIBAO_TIER, ("A", "B", "C")),
    "tekun_care": (StandardItem.TEKUN_CARE, ("全自理", "部分失能", "完全失能")),
    "disability_care": (StandardItem.DISABILITY_CARE, ("1", "2", "3", "4")),
    "elderly_allowance": (StandardItem.ELDERLY_ALLOWANCE, None),  # any bands present
}
_ORPHAN = {"orphan_institutional": "集中", "orphan_dispersed": "散居"}
_UNIT_LABEL = {StandardUnit.MONTH: "元/人·月", StandardUnit.YEAR: "元/人·年"}


@dataclass(frozen=True)
class StandardRow:
    """A row of the standards table, saved or proposed."""

    region_code: str
    item: str
    urban_rural: str
    tier: str
    effective_from: datetime.date
    amount: Decimal
    unit: str
    source: str
    confidence: str

    @classmethod
    def of(cls, row: PolicyStandard) -> StandardRow:
        return cls(
            row.region_code,
            row.item,
            row.urban_rural,
            row.tier,
            row.effective_from,
            row.amount,
            row.unit,
            row.source,
            row.confidence,
        )

    @property
    def key(self) -> tuple[str, str, str, str, datetime.date]:
        return (self.region_code, self.item, self.urban_rural, self.tier, self.effective_from)


def region_chain(code: str) -> list[str]:
    """The codes whose rows may apply to ``code``, most specific first."""
    chain = [code]
    if len(code) == 12:
        chain.append(code[:9])
    if len(code) >= 9:
        chain.append(code[:6])
    county = code[:6]
    for candidate in (county, county[:4] + "00", county[:2] + "0000"):
        if candidate not in chain:
            chain.append(candidate)
    return chain


def load_rows(region_code: str, *, extra: Iterable[StandardRow] = ()) -> list[StandardRow]:
    chain = region_chain(region_code)
    saved = {
        StandardRow.of(r).key: StandardRow.of(r) for r in PolicyStandard.objects.filter(region_code__in=chain)
    }
    for row in extra:
        if row.region_code in chain:
            saved[row.key] = row  # a proposed row replaces a saved one of the same cell
    return list(saved.values())


def rows_in_force(
    rows: Sequence[StandardRow], region_code: str, urban_rural: str, as_of: datetime.date
) -> dict[tuple[str, str], StandardRow]:
    """(item, tier) → the row in force."""
    rank = {code: i for i, code in enumerate(region_chain(region_code))}
    best: dict[tuple[str, str], tuple[tuple[int, datetime.date, int], StandardRow]] = {}
    for row in rows:
        if (
            row.region_code not in rank
            or row.effective_from > as_of
            or row.urban_rural not in ("", urban_rural)
        ):
            continue
        score = (-rank[row.region_code], row.effective_from, 1 if row.urban_rural else 0)
        key = (row.item, row.tier)
        if key not in best or score > best[key][0]:
            best[key] = (score, row)
    return {key: row for key, (_, row) in best.items()}


def _param(row: StandardRow) -> dict[str, Any]:
    return {
        "value": str(row.amount),
        "source": row.source,
        "confidence": row.confidence,
        "unit": _UNIT_LABEL.get(StandardUnit(row.unit), row.unit),
    }


def _map_param(rows: list[StandardRow]) -> dict[str, Any]:
    confidence = weakest(*(DomainParam(None, "", Confidence(r.confidence)) for r in rows))
    sources = list(dict.fromkeys(r.source for r in rows))
    return {
        "value": {r.tier: str(r.amount) for r in rows},
        "source": "；".join(sources),
        "confidence": str(confidence),
        "unit": "元/人·月",
    }


class StandardsMissing(ValidationFailed):
    code = "standards_missing"


def _require(found: dict[tuple[str, str], StandardRow], item: str, tier: str, where: str) -> StandardRow:
    row = found.get((item, tier))
    if row is None:
        label = StandardItem(item).label + (f"（{tier}）" if tier else "")
        raise StandardsMissing(f"{where} 没有在用的“{label}”标准，请先在救助标准表中录入", field=item)
    return row


def payment_mode_param(profile_version: PolicyProfileVersion | None, urban_rural: str) -> dict[str, Any]:
    if profile_version is None:
        raise StandardsMissing("没有在用的地方政策参数，请先录入", field="payment_mode")
    return dict(profile_version.payment_modes[urban_rural])


def resolve_standards(
    region_code: str,
    urban_rural: str,
    as_of: datetime.date,
    *,
    rows: Sequence[StandardRow] | None = None,
    profile_version: PolicyProfileVersion | None = None,
) -> Standards:
    """The standards in force at a place and date, as the rules' :class:`Standards`."""
    rows = load_rows(region_code) if rows is None else rows
    profile_version = profile_version or profile_version_in_force(region_code, as_of)
    where = f"{region_code} {as_of}"
    found = rows_in_force(rows, region_code, urban_rural, as_of)
    used: list[StandardRow] = []

    def take(item: str, tier: str = "") -> StandardRow:
        row = _require(found, item, tier, where)
        used.append(row)
        return row

    dibao = take(StandardItem.DIBAO)
    data: dict[str, Any] = {
        "region_code": region_code,
        "urban_rural": urban_rural,
        "dibao_standard": _param(dibao),
        "dibao_standard_period": {
            "value": dibao.unit,
            "source": dibao.source,
            "confidence": dibao.confidence,
        },
        "payment_mode": payment_mode_param(profile_version, urban_rural),
    }
    if urban_rural == "urban":
        data["urban_dibao_monthly"] = {
            "value": None,
            "source": "城市单元取本单元低保标准",
            "confidence": "confirmed",
        }
    else:
        urban = rows_in_force(rows, region_code, "urban", as_of).get((StandardItem.DIBAO, ""))
        if urban is None:
            raise StandardsMissing(
                f"{where} 没有在用的城市低保标准（农村特困 1.3 倍规则需要）", field="dibao"
            )
        used.append(urban)
        monthly = (
            urban.amount
            if urban.unit == StandardUnit.MONTH
            else (urban.amount / 12).quantize(Decimal("0.01"))
        )
        data["urban_dibao_monthly"] = {**_param(urban), "value": str(monthly), "unit": "元/人·月"}
    for name, item in _SINGLE.items():
        data[name] = _param(take(item))
    for name, (item, tiers) in _MAPS.items():
        keys = tiers or sorted(
            {tier for (i, tier) in found if i == item}, key=lambda t: int(t) if t.isdigit() else 0
        )
        data[name] = _map_param([take(item, tier) for tier in keys])
    for name, tier in _ORPHAN.items():
        data[name] = _param(take(StandardItem.ORPHAN, tier))
    data["effective_from"] = max(r.effective_from for r in used).isoformat()
    return Standards.from_dict(data)


def profile_version_in_force(region_code: str, as_of: datetime.date) -> PolicyProfileVersion | None:
    chain = region_chain(region_code)
    candidates = PolicyProfileVersion.objects.filter(region_code__in=chain, effective_from__lte=as_of)
    return max(candidates, key=lambda v: (-chain.index(v.region_code), v.effective_from), default=None)


def resolve_profile(region_code: str, as_of: datetime.date) -> PolicyProfile:
    version = profile_version_in_force(region_code, as_of)
    if version is None:
        raise StandardsMissing(f"{region_code} {as_of} 没有在用的地方政策参数，请先录入", field="profile")
    return PolicyProfile.from_dict(version.values)


# --- the seed: policy-rules §6 values, each labelled as it is labelled there ------------------------------

SEED_EFFECTIVE_FROM = datetime.date(2023, 1, 1)
YUNNAN = "530000"
ZHAOTONG = "530600"


def _rows_from_standards(standards: Standards, region_code: str, urban_rural: str) -> list[StandardRow]:
    rows: list[StandardRow] = []
    when = standards.effective_from

    def add(item: str, tier: str, param: DomainParam[Any], amount: Decimal, unit: str, ur: str) -> None:
        rows.append(
            StandardRow(region_code, item, ur, tier, when, amount, unit, param.source, str(param.confidence))
        )

    dibao = standards.dibao_standard
    add(StandardItem.DIBAO, "", dibao, dibao.value, standards.dibao_standard_period.value, urban_rural)
    add(
        StandardItem.DIBAO_FLOOR,
        "",
        standards.floor_per_person,
        standards.floor_per_person.value,
        "month",
        urban_rural,
    )
    for tier, amount in standards.tier_amounts.value.items():
        add(StandardItem.DIBAO_TIER, tier, standards.tier_amounts, amount, "month", urban_rural)
    add(
        StandardItem.DISPOSABLE_INCOME,
        "",
        standards.disposable_income_prev_year,
        standards.disposable_income_prev_year.value,
        "year",
        urban_rural,
    )
    if urban_rural == "urban":  # the rest is the same for urban and rural: one row for both
        add(
            StandardItem.TEKUN_BASIC,
            "",
            standards.tekun_basic_configured,
            standards.tekun_basic_configured.value,
            "month",
            "",
        )
        for tier, amount in standards.tekun_care.value.items():
            add(StandardItem.TEKUN_CARE, tier, standards.tekun_care, amount, "month", "")
        add(
            StandardItem.ORPHAN,
            "集中",
            standards.orphan_institutional,
            standards.orphan_institutional.value,
            "month",
            "",
        )
        add(
            StandardItem.ORPHAN,
            "散居",
            standards.orphan_dispersed,
            standards.orphan_dispersed.value,
            "month",
            "",
        )
        add(
            StandardItem.DISABILITY_LIVING,
            "",
            standards.disability_living,
            standards.disability_living.value,
            "month",
            "",
        )
        for tier, amount in standards.disability_care.value.items():
            add(StandardItem.DISABILITY_CARE, tier, standards.disability_care, amount, "month", "")
        for tier, amount in standards.elderly_allowance.value.items():
            add(StandardItem.ELDERLY_ALLOWANCE, tier, standards.elderly_allowance, amount, "month", "")
    return rows


def seed_rows() -> list[StandardRow]:
    """Zhaotong's 2023 placeholders (city level), the Yunnan 2020 guide minimums and the 2026 disability
    subsidy rates, exactly as labelled in the rules' defaults."""
    rows = []
    for urban_rural in ("urban", "rural"):
        rows += _rows_from_standards(
            default_standards(ZHAOTONG, urban_rural, SEED_EFFECTIVE_FROM), ZHAOTONG, urban_rural
        )
    later = default_standards(ZHAOTONG, "urban", datetime.date(2026, 1, 1))
    for row in _rows_from_standards(later, ZHAOTONG, "urban"):
        if row.item in (StandardItem.DISABILITY_LIVING, StandardItem.DISABILITY_CARE):
            rows.append(
                StandardRow(
                    ZHAOTONG,
                    row.item,
                    "",
                    row.tier,
                    datetime.date(2026, 1, 1),
                    row.amount,
                    row.unit,
                    row.source,
                    row.confidence,
                )
            )
    yunnan_2020 = datetime.date(2020, 6, 1)
    source = "云南省民政厅2020年提标通知：自2020-06-01起省级指导标准（S12，二手资料）"
    rows += [
        StandardRow(
            YUNNAN, StandardItem.DIBAO, "urban", "", yunnan_2020, Decimal("640.00"), "month", source, "C2"
        ),
        StandardRow(
            YUNNAN, StandardItem.DIBAO, "rural", "", yunnan_2020, Decimal("4500.00"), "year", source, "C2"
        ),
        StandardRow(
            YUNNAN, StandardItem.TEKUN_BASIC, "", "", yunnan_2020, Decimal("832.00"), "month", source, "C2"
        ),
    ]
    return rows


def seed_payment_modes() -> dict[str, dict[str, str]]:
    modes = {}
    for urban_rural in ("urban", "rural"):
        param = default_standards(ZHAOTONG, urban_rural, SEED_EFFECTIVE_FROM).payment_mode
        modes[urban_rural] = {
            "value": param.value,
            "source": param.source,
            "confidence": str(param.confidence),
        }
    return modes


def seed_profile_values() -> dict[str, Any]:
    return default_profile().to_dict()


def seed_policy(standard_model: Any = PolicyStandard, profile_model: Any = PolicyProfileVersion) -> None:
    """Insert the seed rows and Zhaotong's profile when the tables are empty (the data migration, and the
    test suite after a transactional test has flushed the tables). Takes the models so that the migration
    can pass its historical ones."""
    if not standard_model.objects.exists():
        standard_model.objects.bulk_create(
            [
                standard_model(
                    region_code=r.region_code,
                    item=r.item,
                    urban_rural=r.urban_rural,
                    tier=r.tier,
                    effective_from=r.effective_from,
                    amount=r.amount,
                    unit=r.unit,
                    source=r.source,
                    confidence=r.confidence,
                )
                for r in seed_rows()
            ]
        )
    if not profile_model.objects.exists():
        profile_model.objects.create(
            region_code=ZHAOTONG,
            effective_from=SEED_EFFECTIVE_FROM,
            values=seed_profile_values(),
            payment_modes=seed_payment_modes(),
            note="初始参数：policy-rules 的标注默认值，待民政局按正式文件修订",
        )
