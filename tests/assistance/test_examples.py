"""The worked examples of docs/assess: each checked against a hand computation written here, and against its
``.expected.json`` file. ``MINZHENG_REGENERATE_EXAMPLES=1`` rewrites the expected files and the schema."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from minzheng.assistance.assess import (
    SCHEMA_PATH,
    assess_json,
    parameter_catalog_markdown,
    readme_with_catalog,
    schema_text,
    write_schema,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "assess"
INPUTS = sorted(p for p in EXAMPLES.glob("[0-9][0-9]-*.json") if not p.name.endswith(".expected.json"))
REGENERATE = os.environ.get("MINZHENG_REGENERATE_EXAMPLES") == "1"

D = Decimal


def run(name: str) -> dict[str, Any]:
    return assess_json(json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8")))


def total(result: dict[str, Any]) -> Decimal:
    return D(result["amounts"]["household"])


def parts(result: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {p["name"]: p["parts"] for p in result["amounts"]["per_person"]}


def test_there_are_at_least_ten_examples_each_with_its_expected_output():
    assert len(INPUTS) >= 10
    for path in INPUTS:
        assert path.with_name(path.stem + ".expected.json").exists(), path.name


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.stem)
def test_each_example_gives_its_expected_output(path):
    result = assess_json(json.loads(path.read_text(encoding="utf-8")))
    expected_path = path.with_name(path.stem + ".expected.json")
    if REGENERATE:
        expected_path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    assert result == json.loads(expected_path.read_text(encoding="utf-8"))


def test_the_schema_file_is_up_to_date():
    if REGENERATE:
        write_schema()
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text()


def test_the_parameter_catalog_in_the_readme_is_up_to_date():
    readme = EXAMPLES / "README.md"
    if REGENERATE:
        readme.write_text(readme_with_catalog(readme.read_text(encoding="utf-8")), encoding="utf-8")
    text = readme.read_text(encoding="utf-8")
    assert parameter_catalog_markdown() in text
    assert text == readme_with_catalog(text)


# --- hand computations (docs/assess/README.md explains each) ----------------------------------------------


def test_01_urban_gap():
    result = run("01-dibao-urban-gap")
    # counted: wages 1000; the scholarship (200) is not counted. 3 members, standard 720.
    gap = D("720") * 3 - D("1000")
    assert gap == D("1160")
    assert total(result) == gap
    assert [p["parts"]["低保金"] for p in result["amounts"]["per_person"]] == ["386.67", "386.67", "386.66"]
    assert result["details"]["per_capita_income"] == "333.33"
    assert result["category"] == "低保（差额）"


def test_02_rural_tier():
    result = run("02-dibao-rural-tier")
    # 600 + 400 = 1000 (the family-planning reward is not counted); 1000 / 3 = 333.33 < 5700 / 12 = 475
    assert D("1000") < D("5700") / 12 * 3
    # members of working age: tier C, 220 per person
    assert result["tier"] == "C"
    assert total(result) == D("220") * 3 == D("660")


def test_03_tekun():
    result = run("03-tekun")
    # own income: rent 100 (the basic pension is not counted for 特困) < 475
    # basic = max(832, 1.3 × 720 = 936) = 936; two self-care items failed → 部分失能 300
    basic = max(D("832"), D("1.3") * 720)
    assert basic == D("936.0")
    assert parts(result)["陈光荣"] == {"基本生活": "936.00", "照料护理": "300.00"}
    assert total(result) == basic + 300 == D("1236")


def test_04_orphan():
    result = run("04-orphan")
    # both parents dead, 9 years old, living with her grandmother: dispersed orphan rate, no other benefit
    assert result["category"] == "孤儿"
    assert total(result) == D("1290")


def test_05_de_facto_orphan_top_up():
    result = run("05-de-facto-orphan-top-up")
    # father in prison 36 ≥ 6 months, mother out of contact 10 ≥ 6 months; already 300 of dibao
    assert result["category"] == "事实无人抚养儿童"
    assert total(result) == D("1290") - D("300") == D("990")


def test_06_disability_subsidies():
    result = run("06-disability-subsidies")
    # dibao family: grade 1 physical with long-term care: 90 + 100; grade 3 visual: living subsidy 90 only
    assert parts(result) == {
        "周大勇": {"困难残疾人生活补贴": "90.00", "重度残疾人护理补贴": "100.00"},
        "周梅": {"困难残疾人生活补贴": "90.00", "重度残疾人护理补贴": "0.00"},
    }
    assert total(result) == D("90") + D("100") + D("90") == D("280")


def test_07_temporary_expenditure():
    result = run("07-temporary-expenditure")
    # per-capita annual income 2400 × 12 / 3 = 9600 < 25000; spending 36000 / (2400 × 12) = 1.25 > 0.5
    assert D("2400") * 12 / 3 < D("25000") and D("36000") / (D("2400") * 12) > D("0.5")
    # 支出型较重: 6 months × 720 × 3 persons; 6 > 2 months (township) and ≤ 12 (county cap)
    assert total(result) == 6 * D("720") * 3 == D("12960")
    assert result["details"]["approval_level"] == "县级"


def test_08_elderly_allowance():
    result = run("08-elderly-allowance")
    # born 1933-06-30: 90 on the as-of date 2023-06-30 (her birthday) → 100; born 1938-02-01: 85 → 50; 58 → none
    assert parts(result) == {"何玉珍": {"高龄津贴": "100.00"}, "何永福": {"高龄津贴": "50.00"}}
    assert total(result) == D("150")


def test_09_single_person():
    result = run("09-single-person")
    # household 2400 / 3 = 800: not below 720, below 1.5 × 720 = 1080 → 低保边缘
    # the grade 1 disabled brother alone: 720 − 0 own income, + 20% × 720 = 144 (分类施保)
    assert result["category"] == "单人保"
    assert parts(result) == {"黄志明": {"低保金": "720.00", "分类施保": "144.00"}}
    assert total(result) == D("720") + D("0.20") * 720 == D("864")


def test_10_gradual_exit():
    result = run("10-gradual-exit")
    # new job: 2400 / 3 = 800 ≥ 720; month 3 of 6 of 渐退, full previous amount
    assert result["category"] == "渐退"
    assert result["details"]["gradual_exit_month"] == "3/6"
    assert total(result) == D("600")


def test_11_rigid_deduction():
    result = run("11-rigid-deduction")
    # 1600 − min(350, cap 300) = 1300 < 720 × 2 → eligible; gap 140 > floor 100; + 15% × 720 = 108 (重病)
    net = D("1600") - min(D("350"), D("300"))
    assert net == D("1300") < D("1440")
    assert total(result) == (D("1440") - net) + D("0.15") * 720 == D("248")
    assert parts(result)["田军"] == {"低保金": "70.00", "分类施保": "108.00"}


def test_12_classified_supplements():
    result = run("12-classified-supplements")
    # gap 720 × 3 − 900 = 1260; supplements: 73 → 15% (108), grade 2 + serious illness → highest 20% (144),
    # 10 → 10% (72)
    supplements = D("0.15") * 720 + D("0.20") * 720 + D("0.10") * 720
    assert supplements == D("324")
    assert total(result) == D("1260") + supplements == D("1584")
    assert {name: p["分类施保"] for name, p in parts(result).items()} == {
        "郭长生": "108.00",
        "郭丽": "144.00",
        "郭小宝": "72.00",
    }


def test_13_temporary_emergency():
    result = run("13-temporary-emergency")
    # 急难型严重: 6 months × 475 × 4 persons; help first
    assert total(result) == 6 * D("475") * 4 == D("11400")
    assert result["details"] == {"help_first": "是", "approval_level": "县级"}


def test_14_vagrancy():
    result = run("14-vagrancy")
    # 2023-06-15 to 2023-06-30 inclusive = 16 days > 10
    assert result["eligible"] and result["amounts"]["period"] == "in_kind"
    assert result["details"] == {"days": "16", "days_over_limit": "6"}
