from __future__ import annotations

import pyarrow as pa

from minzheng.verification.matching import pinyin
from minzheng.verification.matching.fixture import HOMOPHONES, TRADITIONAL


def test_homophones_and_traditional_script_share_the_pinyin():
    assert pinyin.name_pinyin("张伟") == "zhangwei"
    assert pinyin.name_pinyin("張偉") == "zhangwei"
    assert pinyin.name_pinyin("张玮") == "zhangwei"
    assert pinyin.name_pinyin("吕雪") == "lvxue"


def test_separators_of_minority_names_are_ignored():
    assert pinyin.name_pinyin("阿卜杜·买买提") == pinyin.name_pinyin("阿卜杜买买提")
    assert pinyin.name_pinyin("王 芳") == "wangfang"


def test_the_fixture_variants_keep_the_pinyin_of_the_character_they_replace():
    for table in (HOMOPHONES, TRADITIONAL):
        for plain, variant in table.items():
            assert pinyin.character_pinyin(plain) == pinyin.character_pinyin(variant), (plain, variant)


def test_pinyin_is_computed_once_per_distinct_name(monkeypatch):
    # given a column of 1,000 rows holding 3 distinct names and a null
    calls: list[str] = []
    real = pinyin.name_pinyin

    def counting(name: str) -> str:
        calls.append(name)
        return real(name)

    monkeypatch.setattr(pinyin, "name_pinyin", counting)
    names = pa.array(["张伟", "李娟", None, "張偉"] * 250)

    # when
    result = pinyin.pinyin_of_names(names)

    # then
    assert sorted(calls) == sorted(["张伟", "李娟", "張偉"])
    assert result.to_pylist()[:4] == ["zhangwei", "lijuan", None, "zhangwei"]
    assert len(result) == 1_000


def test_pinyin_table_has_one_row_per_distinct_name():
    table = pinyin.pinyin_table(pa.chunked_array([["张伟", "张伟", None], ["王芳"]]))

    assert sorted(zip(table["name"].to_pylist(), table["name_pinyin"].to_pylist(), strict=True)) == [
        ("张伟", "zhangwei"),
        ("王芳", "wangfang"),
    ]
