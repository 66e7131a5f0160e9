"""A tiny snapshot world as Arrow tables (no database): the registry snapshot, every departmental source
and its links. Person ids are small numbers that say where each person lives (11 and 12 in household 1…).

    household 1  低保, 2 persons, 300 元/月, standard 640       persons 11 (head), 12
    household 2  特困 person alone, 0 元, standard 375           person 21
    household 3  not covered, 3 persons, 1,200 元 (400/person)  persons 31, 32, 33
    household 4  not covered, 2 persons, 8,000 元 (well off)    persons 41, 42
    household 5  not covered, alone, 75 years old, 0 元          person 51
    household 6  person 61 moved here; still 在保 under household 1
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa

AS_OF = datetime.date(2023, 6, 30)
PERIOD = "2023-06"
MONEY = pa.decimal128(14, 2)

VILLAGE_1 = "530602001001"  # 西街社区, 凤凰街道
VILLAGE_2 = "530602101201"  # 青山村, 守望乡


def _d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def _m(amount: str | int) -> Decimal:
    return Decimal(str(amount)).quantize(Decimal("0.01"))


def table(rows: list[dict[str, Any]], schema: list[tuple[str, pa.DataType]]) -> pa.Table:
    names = [name for name, _ in schema]
    return pa.table({name: [row.get(name) for row in rows] for name in names}, schema=pa.schema(schema))


PEOPLE_SCHEMA = [
    ("person_id", pa.int64()),
    ("household_id", pa.int64()),
    ("id_number", pa.string()),
    ("name", pa.string()),
    ("birth_date", pa.date32()),
    ("region_code", pa.string()),
    ("urban_rural", pa.string()),
    ("is_cohabiting", pa.bool_()),
]
ENTITLEMENT_SCHEMA = [("person_id", pa.int64()), ("household_id", pa.int64()), ("scheme", pa.string())]
MEANS_SCHEMA = [
    ("household_id", pa.int64()),
    ("persons", pa.int32()),
    ("net_monthly_income", MONEY),
    ("standard", MONEY),
]
LINK_SCHEMA = [
    ("record_id", pa.string()),
    ("person_id", pa.int64()),
    ("method", pa.string()),
    ("match_weight", pa.float64()),
    ("match_probability", pa.float64()),
    ("explanation", pa.string()),
]
SOURCE_SCHEMAS: dict[str, list[tuple[str, pa.DataType]]] = {
    "deaths": [("death_date", pa.date32()), ("source_department", pa.string())],
    "vehicles": [
        ("plate_number", pa.string()),
        ("vehicle_type", pa.string()),
        ("value_estimate", MONEY),
        ("is_disability_vehicle", pa.bool_()),
    ],
    "real_estate": [
        ("certificate_number", pa.string()),
        ("address", pa.string()),
        ("area_m2", pa.decimal128(10, 2)),
        ("value_estimate", MONEY),
    ],
    "businesses": [
        ("uscc", pa.string()),
        ("enterprise_name", pa.string()),
        ("role", pa.string()),
        ("share_amount", MONEY),
        ("status", pa.string()),
    ],
    "pensions": [("kind", pa.string()), ("monthly_amount", MONEY)],
    "unemployment": [("registered_on", pa.date32()), ("status", pa.string())],
    "housing_fund": [("employer", pa.string()), ("monthly_deposit", MONEY), ("wage_base", MONEY)],
    "tax": [("annual_income", MONEY), ("tax_paid", MONEY), ("tax_year", pa.int16())],
    "deposits": [("bank", pa.string()), ("balance", MONEY)],
    "disability": [
        ("certificate_number", pa.string()),
        ("category", pa.string()),
        ("grade", pa.int8()),
        ("issued_on", pa.date32()),
    ],
    "medical": [("kind", pa.string()), ("out_of_pocket", MONEY), ("settled_on", pa.date32())],
    "students": [("school", pa.string()), ("level", pa.string()), ("difficulty", pa.string())],
    "fanpin": [("household_number", pa.string()), ("category", pa.string()), ("is_relocated", pa.bool_())],
}
COMMON_SOURCE_COLUMNS = [
    ("record_id", pa.string()),
    ("id_number", pa.string()),
    ("id_key", pa.int64()),
    ("id_status", pa.string()),
    ("name", pa.string()),
    ("birth_date", pa.date32()),
    ("region_code", pa.string()),
]


def source_table(source: str, rows: list[dict[str, Any]]) -> pa.Table:
    return table(rows, COMMON_SOURCE_COLUMNS + SOURCE_SCHEMAS[source])


def links_table(rows: list[tuple[str, int, str, float]]) -> pa.Table:
    """(record_id, person_id, method, probability)."""
    return table(
        [
            {
                "record_id": r,
                "person_id": p,
                "method": m,
                "match_weight": 10.0 if m == "exact" else 4.5,
                "match_probability": prob,
                "explanation": "身份证号一致" if m == "exact" else "姓名、出生日期、区划相近",
            }
            for r, p, m, prob in rows
        ],
        LINK_SCHEMA,
    )


def exact(*pairs: tuple[str, int]) -> list[tuple[str, int, str, float]]:
    return [(record, person, "exact", 1.0) for record, person in pairs]


def person(pid: int, household: int, birth: str, region: str = VILLAGE_1, cohabiting: bool = True) -> dict:
    return {
        "person_id": pid,
        "household_id": household,
        "id_number": f"5306021980010100{pid:02d}",
        "name": f"人员{pid}",
        "birth_date": _d(birth),
        "region_code": region,
        "urban_rural": "urban" if region == VILLAGE_1 else "rural",
        "is_cohabiting": cohabiting,
    }


def registry_tables(
    people: list[dict] | None = None,
    entitlements: list[tuple[int, int, str]] | None = None,
    means: list[tuple[int, int, str, str]] | None = None,
) -> dict[str, pa.Table]:
    people = people or [
        person(11, 1, "1975-03-01"),
        person(12, 1, "1978-08-15"),
        person(21, 2, "1950-02-02", VILLAGE_2),
        person(31, 3, "1980-01-01"),
        person(32, 3, "1982-05-05"),
        person(33, 3, "2005-09-09"),
        person(41, 4, "1970-07-07"),
        person(42, 4, "1972-12-12"),
        person(51, 5, "1948-01-10", VILLAGE_2),
        person(61, 6, "1990-04-04"),
    ]
    entitlements = entitlements or [(11, 1, "dibao"), (12, 1, "dibao"), (21, 2, "tekun"), (61, 1, "dibao")]
    means = means or [
        (1, 2, "300", "640"),
        (2, 1, "0", "375"),
        (3, 3, "1200", "640"),
        (4, 2, "8000", "640"),
        (5, 1, "0", "375"),
        (6, 1, "2000", "640"),
    ]
    return {
        "people": table(people, PEOPLE_SCHEMA),
        "entitlements": table(
            [{"person_id": p, "household_id": h, "scheme": s} for p, h, s in entitlements], ENTITLEMENT_SCHEMA
        ),
        "household_means": table(
            [
                {"household_id": h, "persons": n, "net_monthly_income": _m(i), "standard": _m(s)}
                for h, n, i, s in means
            ],
            MEANS_SCHEMA,
        ),
    }


def source_tables() -> dict[str, pa.Table]:
    """Every source of the world, with a positive and a negative example for each rule."""
    t: dict[str, pa.Table] = {}

    def add(source: str, rows: list[dict], links: list[tuple[str, int, str, float]]) -> None:
        t[source] = source_table(source, rows)
        t[f"{source}_links"] = links_table(links)

    add(
        "deaths",
        [
            {"record_id": "D1", "death_date": _d("2023-05-03"), "source_department": "公安"},
            {"record_id": "D2", "death_date": _d("2023-05-03"), "source_department": "卫健"},
            {"record_id": "D3", "death_date": _d("2023-04-01"), "source_department": "殡葬"},  # not covered
        ],
        [("D1", 12, "exact", 1.0), ("D2", 12, "fuzzy", 0.99), ("D3", 41, "exact", 1.0)],
    )
    add(
        "vehicles",
        [
            {
                "record_id": "V1",
                "plate_number": "云C·12345",
                "vehicle_type": "小型汽车",
                "value_estimate": _m(35000),
            },
            {
                "record_id": "V2",
                "plate_number": "云C·0001",
                "vehicle_type": "残疾人机动轮椅车",
                "value_estimate": _m(30000),
            },
            {
                "record_id": "V3",
                "plate_number": "云C·22222",
                "vehicle_type": "小型汽车",
                "value_estimate": _m(15000),
            },
            {
                "record_id": "V4",
                "plate_number": "云C·33333",
                "vehicle_type": "货车",
                "value_estimate": _m(50000),
                "is_disability_vehicle": True,
            },
            {
                "record_id": "V5",
                "plate_number": "云C·55555",
                "vehicle_type": "小型汽车",
                "value_estimate": _m(100000),
            },
            {
                "record_id": "V6",
                "plate_number": "云C·66666",
                "vehicle_type": "小型汽车",
                "value_estimate": _m(90000),
            },
        ],
        [*exact(("V1", 11), ("V2", 11), ("V3", 12), ("V4", 12), ("V5", 41)), ("V6", 12, "fuzzy", 0.5)],
    )
    add(
        "real_estate",
        [
            {
                "record_id": "R1",
                "certificate_number": "云(2019)昭阳区不动产权第0000001号",
                "area_m2": Decimal("90.50"),
            },
            {
                "record_id": "R2",
                "certificate_number": "云(2020)昭阳区不动产权第0000002号",
                "area_m2": Decimal("90.00"),
            },
            {
                "record_id": "R3",
                "certificate_number": "云(2015)昭阳区不动产权第0000003号",
                "area_m2": Decimal("60.00"),
            },
        ],
        exact(("R1", 11), ("R2", 12), ("R3", 21)),
    )
    add(
        "businesses",
        [
            {
                "record_id": "B1",
                "uscc": "91530602MA6K000001",
                "enterprise_name": "昭通某某商贸有限公司",
                "role": "股东",
                "share_amount": _m(100000),
                "status": "存续",
            },
            {
                "record_id": "B2",
                "uscc": "91530602MA6K000002",
                "enterprise_name": "昭阳区某某餐馆",
                "role": "法定代表人",
                "status": "注销",
            },
            {
                "record_id": "B3",
                "uscc": "91530602MA6K000003",
                "enterprise_name": "昭阳区某某商店",
                "role": "法定代表人",
                "status": "吊销",
            },
        ],
        exact(("B1", 11), ("B2", 21), ("B3", 21)),
    )
    add(
        "pensions",
        [
            {"record_id": "P1", "kind": "城镇职工基本养老金", "monthly_amount": _m(800)},
            {"record_id": "P2", "kind": "城乡居民基础养老金", "monthly_amount": _m(150)},
            {"record_id": "P3", "kind": "工资（社保缴费基数）", "monthly_amount": _m(3000)},
            {"record_id": "P4", "kind": "城乡居民基础养老金", "monthly_amount": _m(120)},
        ],
        exact(("P1", 21), ("P2", 12), ("P3", 11), ("P4", 51)),
    )
    add(
        "tax",
        [
            {"record_id": "T1", "annual_income": _m(36000), "tax_paid": _m(0), "tax_year": 2022},
            {"record_id": "T2", "annual_income": _m(90000), "tax_paid": _m(900), "tax_year": 2019},
        ],
        exact(("T1", 11), ("T2", 12)),
    )
    add(
        "housing_fund",
        [
            {
                "record_id": "HF1",
                "employer": "昭通某某物业公司",
                "monthly_deposit": _m(500),
                "wage_base": _m(4000),
            }
        ],
        exact(("HF1", 12)),
    )
    add(
        "deposits",
        [
            {"record_id": "DP1", "bank": "昭通农商银行", "balance": _m(20000)},
            {"record_id": "DP2", "bank": "中国邮政储蓄银行", "balance": _m(15000)},
            {"record_id": "DP3", "bank": "昭通农商银行", "balance": _m(5000)},  # 特困: within 24 × 375
        ],
        exact(("DP1", 11), ("DP2", 12), ("DP3", 21)),
    )
    add(
        "disability",
        [
            {
                "record_id": "DS1",
                "certificate_number": "C1",
                "category": "肢体",
                "grade": 1,
                "issued_on": _d("2023-03-01"),
            },
            {
                "record_id": "DS2",
                "certificate_number": "C2",
                "category": "视力",
                "grade": 2,
                "issued_on": _d("2023-03-01"),
            },
            {
                "record_id": "DS3",
                "certificate_number": "C3",
                "category": "听力",
                "grade": 3,
                "issued_on": _d("2023-03-01"),
            },
        ],
        exact(("DS1", 31), ("DS2", 41), ("DS3", 32)),
    )
    add(
        "medical",
        [
            {"record_id": "M1", "kind": "住院", "out_of_pocket": _m(4000), "settled_on": _d("2023-02-10")},
            {
                "record_id": "M2",
                "kind": "门诊慢特病",
                "out_of_pocket": _m(3000),
                "settled_on": _d("2023-05-20"),
            },
            {"record_id": "M3", "kind": "住院", "out_of_pocket": _m(6000), "settled_on": _d("2021-01-05")},
        ],
        exact(("M1", 32), ("M2", 32), ("M3", 33)),
    )
    add(
        "unemployment",
        [
            {"record_id": "U1", "registered_on": _d("2023-03-15"), "status": "失业"},
            {"record_id": "U2", "registered_on": _d("2023-03-15"), "status": "失业"},
            {"record_id": "U3", "registered_on": _d("2022-03-15"), "status": "已就业"},
        ],
        exact(("U1", 33), ("U2", 42), ("U3", 31)),
    )
    add(
        "students",
        [{"record_id": "S1", "school": "昭通市第一中学", "level": "高中", "difficulty": "困难"}],
        exact(("S1", 33)),
    )
    add(
        "fanpin",
        [
            {
                "record_id": "F1",
                "household_number": "5306021010001",
                "category": "边缘易致贫户",
                "is_relocated": True,
            },
            {
                "record_id": "F2",
                "household_number": "5306021010001",
                "category": "边缘易致贫户",
                "is_relocated": True,
            },
            {
                "record_id": "F3",
                "household_number": "5306021010002",
                "category": "脱贫不稳定户",
                "is_relocated": False,
            },
        ],
        exact(("F1", 31), ("F2", 32), ("F3", 21)),
    )
    return t


def world_tables() -> dict[str, pa.Table]:
    return {**registry_tables(), **source_tables()}
