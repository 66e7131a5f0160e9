"""The schema contracts: complete, consistent, and documented."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from minzheng.verification.lake.contracts import (
    CONTRACTS,
    DEPARTMENT_SOURCES,
    LAKE_EXTRA_COLUMNS,
    MONEY,
    get_contract,
    lake_schema,
)
from minzheng.verification.lake.docs import render_contract, stale_contract_docs
from minzheng.verification.lake.errors import LakeError
from minzheng.verification.lake.ingest import map_headers, normalize_header

DOCS = Path(__file__).resolve().parents[2] / "docs" / "data-contracts"
COMMON = ("birth_date", "region_code")

EXPECTED_COLUMNS = {
    "hukou": ("id_number", "name", "sex", "birth_date", "ethnicity", "hukou_type", "hukou_region_code",
              "hukou_household_number", "relation_to_head", "is_deceased"),
    "deaths": ("record_id", "id_number", "name", "death_date", "source_department", "region_code", "birth_date"),
    "vehicles": ("record_id", "id_number", "name", "plate_number", "vehicle_type", "registered_on",
                 "value_estimate", "is_disability_vehicle", *COMMON),
    "real_estate": ("record_id", "id_number", "name", "certificate_number", "address", "area_m2",
                    "registered_on", "value_estimate", *COMMON),
    "businesses": ("record_id", "id_number", "name", "uscc", "enterprise_name", "role", "share_amount",
                   "status", *COMMON),
    "pensions": ("record_id", "id_number", "name", "kind", "monthly_amount", *COMMON),
    "unemployment": ("record_id", "id_number", "name", "registered_on", "status", *COMMON),
    "housing_fund": ("record_id", "id_number", "name", "employer", "monthly_deposit", "wage_base", *COMMON),
    "tax": ("record_id", "id_number", "name", "annual_income", "tax_paid", "tax_year", *COMMON),
    "deposits": ("record_id", "id_number", "name", "bank", "balance", *COMMON),
    "disability": ("record_id", "id_number", "name", "certificate_number", "category", "grade", "issued_on",
                   *COMMON),
    "medical": ("record_id", "id_number", "name", "kind", "out_of_pocket", "settled_on", *COMMON),
    "students": ("record_id", "id_number", "name", "school", "level", "difficulty", *COMMON),
    "fanpin": ("record_id", "id_number", "name", "household_number", "category", "is_relocated", "region_code",
               "birth_date"),
}  # fmt: skip

EXPECTED_CHOICES = {
    ("deaths", "source_department"): ("公安", "卫健", "殡葬"),
    ("vehicles", "vehicle_type"): ("小型汽车", "摩托车", "三轮汽车", "货车", "残疾人机动轮椅车"),
    ("businesses", "role"): ("法定代表人", "股东"),
    ("businesses", "status"): ("存续", "注销", "吊销"),
    ("pensions", "kind"): (
        "城镇职工基本养老金",
        "机关事业单位养老金",
        "城乡居民基础养老金",
        "工资（社保缴费基数）",
    ),
    ("unemployment", "status"): ("失业", "已就业"),
    ("disability", "category"): ("视力", "听力", "言语", "肢体", "智力", "精神", "多重"),
    ("disability", "grade"): (1, 2, 3, 4),
    ("medical", "kind"): ("住院", "门诊慢特病"),
    ("students", "level"): ("学前", "小学", "初中", "高中", "中职", "高职", "本科"),
    ("students", "difficulty"): ("特别困难", "困难", "一般困难"),
    ("fanpin", "category"): ("脱贫不稳定户", "边缘易致贫户", "突发严重困难户"),
}


def test_there_is_exactly_one_contract_per_source_with_the_agreed_columns():
    assert tuple(CONTRACTS) == tuple(EXPECTED_COLUMNS)
    for name, columns in EXPECTED_COLUMNS.items():
        assert CONTRACTS[name].column_names == columns, name
    assert tuple(name for name in EXPECTED_COLUMNS if name != "hukou") == DEPARTMENT_SOURCES


@pytest.mark.parametrize("source", list(CONTRACTS))
def test_every_source_has_an_id_a_name_a_birth_date_and_a_region(source):
    contract = CONTRACTS[source]
    region = "hukou_region_code" if source == "hukou" else "region_code"
    for column in ("id_number", "name", "birth_date", region):
        assert column in contract.column_names
    assert contract.column("id_number").required and contract.column("name").required
    assert contract.title and contract.department and contract.row_meaning and contract.frequency
    assert set(contract.key) <= set(contract.column_names)


@pytest.mark.parametrize("source", DEPARTMENT_SOURCES)
def test_departmental_sources_have_a_record_key_and_nullable_birth_date_and_region(source):
    contract = CONTRACTS[source]
    assert contract.key == ("record_id",)
    assert not contract.column("birth_date").required
    assert not contract.column("region_code").required
    assert contract.column("birth_date").type == pa.date32()


@pytest.mark.parametrize("source", list(CONTRACTS))
def test_aliases_are_unique_within_a_contract(source):
    # given: every accepted header, normalised as the ingest compares them
    seen: dict[str, str] = {}
    for spec in CONTRACTS[source].columns:
        for header in spec.headers:
            key = normalize_header(header)
            # then: no header leads to two columns
            assert seen.setdefault(key, spec.name) == spec.name, (header, seen[key], spec.name)


@pytest.mark.parametrize("source", list(CONTRACTS))
@pytest.mark.parametrize("header", ["身份证号", "公民身份号码", "证件号码", "身份证号码", "  身份证号 "])
def test_the_usual_id_headers_map_to_id_number(source, header):
    assert map_headers(CONTRACTS[source], [header]).columns == {header: "id_number"}


def test_closed_value_sets_are_as_agreed():
    for (source, column), choices in EXPECTED_CHOICES.items():
        assert CONTRACTS[source].column(column).choices == choices, (source, column)


def test_money_is_decimal_and_flags_are_boolean():
    assert CONTRACTS["vehicles"].column("value_estimate").type == MONEY == pa.decimal128(14, 2)
    assert pa.types.is_decimal(CONTRACTS["real_estate"].column("area_m2").type)
    assert CONTRACTS["vehicles"].column("is_disability_vehicle").type == pa.bool_()
    assert CONTRACTS["fanpin"].column("is_relocated").type == pa.bool_()
    assert pa.types.is_integer(CONTRACTS["disability"].column("grade").type)
    assert pa.types.is_integer(CONTRACTS["tax"].column("tax_year").type)


def test_the_lake_schema_adds_the_id_columns_after_the_contract():
    schema = lake_schema(CONTRACTS["deposits"])
    extra = [name for name, _, _ in LAKE_EXTRA_COLUMNS]
    assert schema.names == [*CONTRACTS["deposits"].column_names, *extra]
    assert extra == ["id_raw", "id_status", "id_key", "row_number"]
    assert schema.field("id_key").type == pa.int64()
    assert schema.metadata[b"minzheng.source"] == b"deposits"


def test_an_unknown_source_is_refused_in_chinese_naming_the_known_ones():
    with pytest.raises(LakeError) as raised:
        get_contract("vehicle")
    assert "未知的数据源：vehicle" in raised.value.message
    assert "vehicles（机动车登记）" in raised.value.message


def test_the_data_contract_pages_are_up_to_date():
    # when the contracts change, run `minzheng lake docs`
    assert stale_contract_docs(DOCS) == []


def test_a_page_lists_every_column_and_the_added_ones():
    page = render_contract(CONTRACTS["vehicles"])
    for name in [*CONTRACTS["vehicles"].column_names, "id_raw", "id_status", "id_key", "row_number"]:
        assert f"| {name} |" in page
    assert "残疾人机动轮椅车" in page
