"""The region tree of the synthetic Zhaotong: city → 11 counties → townships → villages.

County codes and names are real (GB/T 2260, read from python-stdnum's table); everything below the
county is synthetic, coded the way the 统计用区划代码 are: a township is the county code plus three
digits (街道 001–0xx, 镇 1xx, 乡 2xx) and a village the township code plus three digits (社区 001–099,
村 201–299). The tree is fixed (its own seed) so that region codes in fixtures and documents stay the
same whatever the population seed or scale; only a county with very few villages would be trimmed,
and the totals (~150 townships, ~1,400 villages) keep every county well above the floor.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from stdnum import numdb

CITY_CODE = "530600"

COUNTY_CENSUS_POPULATION: dict[str, int] = {
    "530602": 911_766,
    "530621": 398_447,
    "530622": 462_173,
    "530623": 317_463,
    "530624": 209_116,
    "530625": 349_157,
    "530626": 135_468,
    "530627": 1_349_795,
    "530628": 503_376,
    "530629": 352_318,
    "530681": 103_532,
}
"""2020 census resident population per county (policy-rules §8.2); they sum to 5,092,611."""

COUNTY_URBAN_SHARE: dict[str, float] = {
    "530602": 0.52,
    "530681": 0.50,
    "530626": 0.30,
    "530623": 0.20,
}
"""Urban share of the registered population where it differs from the default: the city seat
昭阳区 and the small industrial 水富市 are far more urban than the mountain counties."""

DEFAULT_URBAN_SHARE = 0.18
"""Urban share of the other counties; with the above the city total is about 25%."""

TOWNSHIP_TOTAL = 150
VILLAGE_TOTAL = 1_400
MINIMUM_TOWNSHIPS_PER_COUNTY = 1
MINIMUM_VILLAGES_PER_COUNTY = 2

REGION_TREE_SEED = 530600
"""The tree's own seed: region codes must not change when the population seed changes."""

_PLACE_NAME_STEMS = (
    "凤凰", "龙泉", "青山", "白沙", "金竹", "石门", "大坪", "小河", "黄泥", "红岩", "水田", "云台",
    "花园", "桃源", "柳溪", "长坪", "高桥", "平地", "安乐", "松林", "竹林", "梨园", "杉木", "马鞍",
    "鹿角", "铜厂", "银厂", "玉泉", "团结", "双河", "三合", "中坝", "上寨", "下寨", "河口", "沙坝",
    "草坪", "茶园", "盐井", "青岗", "光明", "新民", "民主", "龙井", "大寨", "海子", "箐口", "岩脚",
    "核桃", "荞麦", "田坝", "杉树", "坪上", "大湾", "小湾", "干河", "清水", "冷水", "热水", "龙洞",
    "石桥", "木瓜", "板栗", "桂花", "兴隆", "太平", "永安", "长兴", "仁和", "德胜", "福来", "新华",
    "向阳", "建设", "胜利", "和平", "红星", "前进", "联合", "富民", "丰收", "大营", "小营", "营盘",
    "关口", "垭口", "岔河", "两河", "三岔", "四方", "五星", "六合", "七星", "八角", "九龙", "十里",
    "大坡", "小坡", "半坡", "高坡", "大田", "中田", "下田", "新田", "龙潭", "黑泥", "白泥", "红土",
    "黄土", "青龙", "白龙", "乌龙", "黑龙", "金龙", "石龙", "龙山", "凤山", "狮子", "象鼻", "虎头",
    "猫猫", "鸡街", "马街", "牛街", "羊场", "猪场", "草原", "雨河", "雪山", "云山", "白云", "彩云",
    "桥头", "坝头", "坡头", "岭头", "山后", "山前", "河边", "水塘", "大塘", "小塘", "荷花", "莲花",
    "梅子", "李子", "桃子", "杏子", "樱桃", "柿子", "花椒", "漆树", "竹山", "竹园", "松树", "柏树",
    "杉林", "青松", "翠屏", "凤鸣", "龙凤", "龙头", "龙尾", "大龙", "小龙", "回龙", "盘龙", "卧龙",
    "腾龙", "麒麟", "苍山", "宝山", "金山", "银山", "铜山", "铁厂", "锅厂", "瓦厂", "砖厂", "磨盘",
    "碾房", "水碾", "油房", "酒房", "纸厂", "炭山", "煤山", "硝厂", "新场", "老场", "老寨", "新寨",
    "高寨", "平寨", "中寨", "后寨", "前寨", "东山", "西山", "南山", "北山", "中山", "东岳", "文昌",
    "文兴", "文化", "育才", "学田", "书房", "庙坝", "寺坪", "观音", "堡子", "营上", "屯上", "石坎",
    "石板", "石坝", "石河", "石洞", "岩洞", "岩头", "岩门", "大岩", "小岩", "黑石", "白石", "青石",
    "红石", "花石", "乐居", "乐利", "利民", "惠民", "安民", "保和", "大河", "小坝", "大坝", "坝心",
    "坝尾", "沟头", "沟边", "大沟", "小沟", "长沟", "干沟", "深沟", "水井", "古井", "甘泉", "温泉",
    "双龙", "双塘", "双坝", "双桥",
)  # fmt: skip
"""Two-character stems of township and village names, in the style of the mountain villages."""
_URBAN_COMMUNITY_STEMS = (
    "东街", "西街", "南街", "北街", "南门", "北门", "东门", "西门", "新街", "老街", "河滨", "滨江",
    "团结", "建设", "胜利", "和平", "文化", "育才", "学府", "望海", "太平", "迎丰", "红旗", "光明",
)  # fmt: skip

_COMMUNITY_STEMS = tuple(dict.fromkeys(_URBAN_COMMUNITY_STEMS + _PLACE_NAME_STEMS))
"""Street-style names first in the pool (西街社区), then the village stems, without repeats."""

LEVELS = ("city", "county", "township", "village")


@dataclass(frozen=True)
class RegionTree:
    """The region table plus the per-village arrays the population generator indexes into."""

    table: pa.Table
    county_codes: tuple[str, ...]
    county_names: tuple[str, ...]
    county_census_population: np.ndarray
    county_urban_share: np.ndarray
    village_codes: np.ndarray
    """12-digit village codes as int64, in table order."""
    village_county_index: np.ndarray
    village_is_urban: np.ndarray
    village_weight: np.ndarray
    """Relative population of each village within its county and urban/rural class."""
    village_address_prefix: tuple[str, ...]
    """County + township + village name, the start of a postal address."""


def county_name(code: str, on: datetime.date = datetime.date(2023, 6, 30)) -> str:
    """The county's name from python-stdnum's GB/T 2260 table, the entry in force at `on`.

    The table marks validity as "[2001-]昭阳区" or "[2001-2018]水富县,[2018-]水富市"; we strip it.
    """
    info = numdb.get("cn/loc").info(code)
    merged = {key: value for _, properties in info for key, value in properties.items()}
    for entry in merged["county"].split(","):
        if not entry.startswith("["):
            return entry
        span, name = entry[1:].split("]")
        start, end = span.split("-")
        if (not start or on.year >= int(start)) and (not end or on.year <= int(end)):
            return name
    raise LookupError(f"no name in force for {code} on {on}")


def apportion(total: int, weights: np.ndarray, minimum: int = 0) -> np.ndarray:
    """Split `total` into integers proportional to `weights` (largest remainder), each ≥ `minimum`.

    Deterministic on purpose: county shares must match the census exactly at every scale.
    """
    weights = np.asarray(weights, dtype=np.float64)
    floor = np.full(len(weights), minimum, dtype=np.int64)
    spare = total - int(floor.sum())
    if spare < 0:
        raise ValueError(f"cannot give {minimum} to each of {len(weights)} parts out of {total}")
    exact = spare * weights / weights.sum()
    counts = np.floor(exact).astype(np.int64)
    remainder_order = np.argsort(-(exact - counts), kind="stable")
    counts[remainder_order[: spare - int(counts.sum())]] += 1
    return floor + counts


def _spread(total: int, bins: int, rng: np.random.Generator) -> np.ndarray:
    """Deal `total` items over `bins`, one each first while they last, the rest unevenly."""
    counts = np.zeros(bins, dtype=np.int64)
    if bins == 0 or total == 0:
        return counts
    first = min(total, bins)
    counts[:first] = 1
    rest = total - first
    if rest:
        counts += rng.multinomial(rest, rng.dirichlet(np.full(bins, 2.0)))
    return counts


def _unique_names(
    rng: np.random.Generator,
    count: int,
    suffix: str,
    stems: tuple[str, ...],
    favoured: int = 0,
) -> list[str]:
    """`count` distinct place names "stem + suffix" (e.g. 青山村) drawn without replacement.

    The first `favoured` stems are ten times as likely, so communities are mostly 西街社区-style.
    """
    weights = np.ones(len(stems))
    weights[:favoured] = 10.0
    chosen = rng.choice(len(stems), size=count, replace=False, p=weights / weights.sum())
    return [stems[index] + suffix for index in chosen]


@dataclass
class _Township:
    code: str
    name: str
    kind: str  # "街道" | "镇" | "乡"
    communities: int
    villages: int


def _plan_townships(
    county_code: str, townships: int, villages: int, urban_share: float, rng: np.random.Generator
) -> list[_Township]:
    """Decide the kind of each township and how many communities and villages it holds."""
    streets = 0 if townships == 1 else min(townships - 1, max(1, round(townships * urban_share * 0.5)))
    rest = townships - streets
    towns = max(1, round(rest * 0.6))
    rural_townships = rest - towns
    communities = min(villages - 1, max(1, streets, round(villages * urban_share * 0.6)))
    rural_villages = villages - communities

    community_counts = np.zeros(townships, dtype=np.int64)
    if streets:
        seat_communities = min(towns, max(0, communities - streets))
        community_counts[streets : streets + seat_communities] = 1
        community_counts[:streets] = _spread(communities - seat_communities, streets, rng)
    else:
        community_counts[0] = communities
    village_counts = np.zeros(townships, dtype=np.int64)
    village_counts[streets:] = _spread(rural_villages, rest, rng)

    kinds = ["街道"] * streets + ["镇"] * towns + ["乡"] * rural_townships
    names = _unique_names(rng, townships, "", _PLACE_NAME_STEMS)
    plans = []
    serial = {"街道": 0, "镇": 100, "乡": 200}
    for kind, name, community_count, village_count in zip(
        kinds, names, community_counts, village_counts, strict=True
    ):
        serial[kind] += 1
        plans.append(
            _Township(
                code=f"{county_code}{serial[kind]:03d}",
                name=name + kind,
                kind=kind,
                communities=int(community_count),
                villages=int(village_count),
            )
        )
    return plans


def build_regions(seed: int = REGION_TREE_SEED) -> RegionTree:
    """Build the whole tree; loops over counties and townships only (about 150 iterations)."""
    rng = np.random.default_rng(seed)
    county_codes = tuple(COUNTY_CENSUS_POPULATION)
    census = np.array([COUNTY_CENSUS_POPULATION[code] for code in county_codes], dtype=np.int64)
    urban_share = np.array([COUNTY_URBAN_SHARE.get(code, DEFAULT_URBAN_SHARE) for code in county_codes])
    township_counts = apportion(TOWNSHIP_TOTAL, census, MINIMUM_TOWNSHIPS_PER_COUNTY)
    village_counts = apportion(VILLAGE_TOTAL, census, MINIMUM_VILLAGES_PER_COUNTY)
    names = tuple(county_name(code) for code in county_codes)

    rows: dict[str, list] = {key: [] for key in ("code", "name", "level", "parent_code", "urban_rural")}
    census_column: list[int | None] = []

    def add(code: str, name: str, level: str, parent: str | None, urban_rural: str | None, people=None):
        rows["code"].append(code)
        rows["name"].append(name)
        rows["level"].append(level)
        rows["parent_code"].append(parent)
        rows["urban_rural"].append(urban_rural)
        census_column.append(people)

    add(CITY_CODE, county_name(CITY_CODE), "city", None, None)
    village_codes: list[int] = []
    village_county: list[int] = []
    village_urban: list[bool] = []
    village_prefix: list[str] = []
    for county_index, code in enumerate(county_codes):
        add(code, names[county_index], "county", CITY_CODE, None, int(census[county_index]))
        plans = _plan_townships(
            code,
            int(township_counts[county_index]),
            int(village_counts[county_index]),
            float(urban_share[county_index]),
            rng,
        )
        for township in plans:
            add(township.code, township.name, "township", code, None)
            community_names = _unique_names(
                rng, township.communities, "社区", _COMMUNITY_STEMS, len(_URBAN_COMMUNITY_STEMS)
            )
            village_names = _unique_names(rng, township.villages, "村", _PLACE_NAME_STEMS)
            members = [(f"{number:03d}", name, True) for number, name in enumerate(community_names, 1)]
            members += [(f"{200 + number:03d}", name, False) for number, name in enumerate(village_names, 1)]
            for suffix, name, is_urban in members:
                village_code = township.code + suffix
                add(village_code, name, "village", township.code, "urban" if is_urban else "rural")
                village_codes.append(int(village_code))
                village_county.append(county_index)
                village_urban.append(is_urban)
                village_prefix.append(names[county_index] + township.name + name)

    table = pa.table(
        {
            "code": pa.array(rows["code"], pa.string()),
            "name": pa.array(rows["name"], pa.string()),
            "level": pa.array(rows["level"], pa.string()),
            "parent_code": pa.array(rows["parent_code"], pa.string()),
            "urban_rural": pa.array(rows["urban_rural"], pa.string()),
            "census_population": pa.array(census_column, pa.int64()),
        }
    )
    village_is_urban = np.array(village_urban, dtype=bool)
    # Communities are larger and more uneven than villages; the weights only shape the split of a
    # county's urban or rural population, so their scale does not matter.
    village_weight = np.where(
        village_is_urban,
        rng.lognormal(0.0, 0.6, len(village_codes)),
        rng.lognormal(0.0, 0.45, len(village_codes)),
    )
    return RegionTree(
        table=table,
        county_codes=county_codes,
        county_names=names,
        county_census_population=census,
        county_urban_share=urban_share,
        village_codes=np.array(village_codes, dtype=np.int64),
        village_county_index=np.array(village_county, dtype=np.int64),
        village_is_urban=village_is_urban,
        village_weight=village_weight,
        village_address_prefix=tuple(village_prefix),
    )
