"""The 户籍 item of a 信息核对 answer: members are looked up in the month's population register on the
64-bit ``id_key`` (the first 17 digits), as every link is, and never on the ID text (verification/feed.py
``register_sql``). In-memory tables only: no database."""

from __future__ import annotations

import pyarrow as pa

from minzheng.verification.feed import PendingRequest, compute_answers, register_sql
from tests.factories import make_id_number

from .world import table

PERIOD = "2023-10"
JIA, YI, BING, DING = (make_id_number() for _ in range(4))


def key(number: str) -> int:
    return int(number[:17])


def people() -> pa.Table:
    """Household 1: 甲, 乙, and 丙 whose registry number is unusable (no key); household 2: 丁."""
    return table(
        [
            {"person_id": 1, "household_id": 1, "name": "甲", "id_key": key(JIA)},
            {"person_id": 2, "household_id": 1, "name": "乙", "id_key": key(YI)},
            {"person_id": 3, "household_id": 1, "name": "丙", "id_key": None},
            {"person_id": 4, "household_id": 2, "name": "丁", "id_key": key(DING)},
        ],
        [
            ("person_id", pa.int64()),
            ("household_id", pa.int64()),
            ("name", pa.string()),
            ("id_key", pa.int64()),
        ],
    )


def register(rows: list[dict]) -> pa.Table:
    return table(rows, [("id_key", pa.int64()), ("is_deceased", pa.bool_())])


def hukou_entry(hukou: pa.Table) -> dict:
    answers = compute_answers(
        {"people": people(), "hukou": hukou}, [PendingRequest(7, 1, ("户籍",))], period=PERIOD
    )
    return answers[7]["户籍"]


def test_the_register_is_read_on_the_id_key_and_never_on_the_id_text():
    sql = register_sql(with_register=True)
    assert "f.id_key = m.id_key" in sql and "h.id_key IN (SELECT id_key FROM members)" in sql
    assert "id_number" not in sql


def test_members_are_found_in_a_register_that_holds_only_the_key():
    # given a register with 甲 alive, 乙 twice (one row marks the death), 丁 of another household, and a
    # row without a usable number (no key)
    hukou = register(
        [
            {"id_key": key(JIA), "is_deceased": False},
            {"id_key": key(YI), "is_deceased": None},
            {"id_key": key(YI), "is_deceased": True},
            {"id_key": key(DING), "is_deceased": False},
            {"id_key": None, "is_deceased": False},
        ]
    )
    # when household 1 asks for 户籍
    entry = hukou_entry(hukou)
    # then 甲 and 乙 are found by the key, 乙 marked dead; 丙's missing key matches no keyless row
    assert entry == {
        "数据来源": "户籍（公安）",
        "数据期间": PERIOD,
        "结论": "2 人在册（共 3 人）",
        "成员": [
            {"成员": "甲", "户籍人口": "在册"},
            {"成员": "乙", "户籍人口": "在册（已标记死亡）"},
            {"成员": "丙", "户籍人口": "本期户籍人口中未查到"},
        ],
        "说明": "本期未接入死亡数据，需线下核对",
    }


def test_a_register_key_one_digit_off_is_somebody_else():
    # given the register holds 甲 under a key that differs in the 17th digit, and 乙 under his own key
    other = key(JIA) + 1 if key(JIA) % 10 < 9 else key(JIA) - 1
    hukou = register([{"id_key": other, "is_deceased": False}, {"id_key": key(YI), "is_deceased": False}])
    # when
    entry = hukou_entry(hukou)
    # then only 乙 is in the register
    assert [member["户籍人口"] for member in entry["成员"]] == [
        "本期户籍人口中未查到",
        "在册",
        "本期户籍人口中未查到",
    ]
    assert entry["结论"] == "1 人在册（共 3 人）"
