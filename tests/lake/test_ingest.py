"""``minzheng lake ingest``: Chinese headers, CSV (UTF-8/GBK), xlsx and Parquet, rejected rows, bad IDs."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command

from minzheng.verification.lake.contracts import CONTRACTS, lake_schema
from minzheng.verification.lake.errors import LakeError
from minzheng.verification.lake.ingest import ingest_file

PERIOD = "2023-06"
HEADER = [
    "记录编号",
    "公民身份号码",
    "姓名",
    "号牌号码",
    "车辆类型",
    "车辆估值（元）",
    "出生日期",
    "是否残疾人专用车",
    "备注",
]
ROWS = [
    ["V1", "11010519491231002x", "张三", "云C12345", "小型汽车", "25,000.00", "1949/12/31", "否", "x"],
    ["V2", "610104620927690", "李四", "云C22222", "摩托车", "3000元", "", "", ""],
    ["V3", "110105194912310021", "王五", "云C33333", "货车", "abc", "1949-12-31", "", ""],
    ["V4", "", "赵六", "云C44444", "飞机", "100", "", "", ""],
    ["V5", "１１０１０５１９４９１２３１００２Ｘ", "", "云C55555", "货车", "100", "", "", ""],
    ["V6", "110105194912310021", "钱七", "云C66666", "残疾人机动轮椅车", "30000", "19491231", "是", ""],
    ["V6", "", "孙八", "云C77777", "三轮汽车", "8000", "1950年1月2日", "", ""],
]  # fmt: skip


def _write_csv(
    path: Path, rows: list[list[str]], encoding: str = "utf-8", header: list[str] = HEADER
) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def _lake_files(lake: Path) -> list[Path]:
    return sorted(path for path in lake.rglob("*") if path.is_file())


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    return tmp_path / "lake"


def _ingest(path: Path, lake: Path, source: str = "vehicles"):
    return ingest_file(source, path, period=PERIOD, lake_dir=lake, today=datetime.date(2023, 6, 30))


def test_a_utf8_csv_with_chinese_headers_lands_in_the_lake_layout(tmp_path, lake):
    # given
    path = _write_csv(tmp_path / "车管.csv", ROWS)
    # when
    report = _ingest(path, lake)
    # then
    data = pq.read_table(lake / "vehicles" / PERIOD / "data.parquet")
    assert data.schema.remove_metadata() == lake_schema(CONTRACTS["vehicles"]).remove_metadata()
    assert data.schema.metadata[b"minzheng.period"] == b"2023-06"
    # the rows with an ID to check come first (storage.lake_order), each kind in the file's order
    assert data.column("record_id").to_pylist() == ["V2", "V6", "V6", "V1"]
    assert data.column("id_status").to_pylist()[-1] == "valid"
    assert "valid" not in data.column("id_status").to_pylist()[:-1]
    data = data.sort_by("row_number")
    first = data.to_pylist()[0]
    assert first["id_number"] == "11010519491231002X"
    assert first["id_raw"] == "11010519491231002x"
    assert first["id_status"] == "valid"
    assert first["id_key"] == 11010519491231002
    assert first["value_estimate"] == Decimal("25000.00")
    assert first["birth_date"] == datetime.date(1949, 12, 31)
    assert first["is_disability_vehicle"] is False
    assert first["row_number"] == 1
    assert data.column("birth_date").to_pylist()[3] == datetime.date(1950, 1, 2)
    assert (report.rows_read, report.rows_good, report.rows_rejected) == (7, 4, 3)
    assert report.status == "written"
    assert report.encoding == "UTF-8"
    assert report.unknown_columns == ("备注",)
    assert report.missing_optional_columns == ("registered_on", "region_code")
    assert report.duplicate_key_rows == 2


def test_bad_ids_are_kept_with_their_status_and_fifteen_digits_are_converted(tmp_path, lake):
    # when
    report = _ingest(_write_csv(tmp_path / "v.csv", ROWS), lake)
    # then
    data = pq.read_table(lake / "vehicles" / PERIOD / "data.parquet").to_pylist()
    by_record = {(row["record_id"], row["row_number"]): row for row in data}
    assert by_record[("V2", 2)]["id_number"] == "610104196209276908"
    assert by_record[("V2", 2)]["id_status"] == "converted_15"
    assert by_record[("V6", 6)]["id_number"] is None
    assert by_record[("V6", 6)]["id_status"] == "bad_checksum"
    assert by_record[("V6", 6)]["id_raw"] == "110105194912310021"
    assert by_record[("V6", 6)]["id_key"] is None
    assert by_record[("V6", 7)]["id_status"] == "missing"
    assert by_record[("V6", 7)]["id_raw"] is None
    assert report.id_status_counts == {
        "valid": 1, "converted_15": 1, "bad_checksum": 1, "bad_date": 0, "bad_length": 0, "missing": 1,
    }  # fmt: skip


def test_rows_with_unreadable_or_missing_values_are_set_aside_with_row_number_and_reason(tmp_path, lake):
    # when
    report = _ingest(_write_csv(tmp_path / "v.csv", ROWS), lake)
    # then
    rejected = pq.read_table(lake / "vehicles" / PERIOD / "rejected.parquet").to_pylist()
    assert [(row["row_number"], row["record_id"]) for row in rejected] == [(3, "V3"), (4, "V4"), (5, "V5")]
    assert rejected[0]["reason"] == "“车辆估值”（value_estimate）无法识别为数值：abc"
    assert rejected[0]["value_estimate"] == "abc"
    assert rejected[1]["reason"].startswith("“车辆类型”（vehicle_type）的值不在允许范围内")
    assert rejected[1]["reason"].endswith("：飞机")
    assert rejected[2]["reason"] == "缺少必填项“姓名”（name）"
    assert dict(report.rejection_reasons)["缺少必填项“姓名”（name）"] == 1


def test_a_gbk_csv_gives_the_same_data_as_utf8(tmp_path, lake):
    # given: the same rows, once in UTF-8 and once in GBK (as Excel saves on a Chinese Windows)
    rows = [row for row in ROWS if "１" not in row[1]]  # full-width digits exist in GBK too, keep it simple
    utf8 = _ingest(_write_csv(tmp_path / "u.csv", rows), lake)
    utf8_bytes = (lake / "vehicles" / PERIOD / "data.parquet").read_bytes()
    other = tmp_path / "other"
    # when
    gbk = _ingest(_write_csv(tmp_path / "g.csv", rows, encoding="gbk"), other)
    # then
    assert gbk.encoding == "GBK/GB18030" and utf8.encoding == "UTF-8"
    assert (other / "vehicles" / PERIOD / "data.parquet").read_bytes() == utf8_bytes


def test_an_xlsx_with_numbers_and_dates_in_cells_is_read_as_the_user_sees_it(tmp_path, lake):
    # given: grades typed as numbers, dates as Excel dates, an ID as text, one grade written 二级
    path = tmp_path / "残联.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["序号说明"])  # a title row above the header is not the header: the first non-empty row is
    workbook.remove(sheet)
    sheet = workbook.create_sheet("残疾人")
    sheet.append(["记录号", "身份证号", "姓名", "残疾人证号", "残疾类别", "残疾等级", "发证日期", "出生日期"])
    sheet.append(
        [
            "D1",
            "11010519491231002X",
            "张三",
            "11010519491231002X41",
            "肢体",
            1,
            datetime.datetime(2015, 3, 4),
            datetime.date(1949, 12, 31),
        ]
    )
    sheet.append(
        ["D2", "610104620927690", "李四", "61010419620927690842", "听力", "二级", "2016-05-06", None]
    )
    sheet.append([None, None, None, None, None, None, None, None])
    sheet.append(["D3", "110105194912310021", "王五", "x", "肢体", 7, None, None])
    workbook.save(path)
    # when
    report = _ingest(path, lake, "disability")
    # then
    data = pq.read_table(lake / "disability" / PERIOD / "data.parquet").sort_by("row_number").to_pylist()
    assert [(row["record_id"], row["grade"], row["issued_on"]) for row in data] == [
        ("D1", 1, datetime.date(2015, 3, 4)),
        ("D2", 2, datetime.date(2016, 5, 6)),
    ]
    assert data[0]["birth_date"] == datetime.date(1949, 12, 31)
    assert data[1]["id_status"] == "converted_15"
    assert report.file_format == "xlsx"
    assert report.rows_rejected == 1
    rejected = pq.read_table(lake / "disability" / PERIOD / "rejected.parquet").to_pylist()
    assert rejected[0]["row_number"] == 3
    assert "“残疾等级”（grade）的值不在允许范围内（1/2/3/4）：7" in rejected[0]["reason"]


def test_a_parquet_file_with_typed_columns_and_integer_ids(tmp_path, lake):
    # given: amounts as floats, a date column, IDs as integers (a 15-digit number survives as one)
    path = tmp_path / "pensions.parquet"
    table = pa.table(
        {
            "业务编号": ["P1", "P2"],
            "证件号码": pa.array([610104620927690, None], pa.int64()),
            "姓名": ["李四", "王五"],
            "待遇类型": ["城镇职工基本养老金", "城乡居民基础养老金"],
            "月领取金额": [2300.5, 123.0],
            "出生日期": pa.array([datetime.date(1962, 9, 27), None], pa.date32()),
        }
    )
    pq.write_table(table, path)
    # when
    report = _ingest(path, lake, "pensions")
    # then
    data = pq.read_table(lake / "pensions" / PERIOD / "data.parquet").to_pylist()
    assert [row["monthly_amount"] for row in data] == [Decimal("2300.50"), Decimal("123.00")]
    assert data[0]["id_number"] == "610104196209276908"
    assert data[0]["birth_date"] == datetime.date(1962, 9, 27)
    assert data[1]["id_status"] == "missing"
    assert report.file_format == "parquet"


def test_missing_required_columns_is_one_chinese_error_and_nothing_is_written(tmp_path, lake):
    # given: no ID column and no vehicle type
    path = _write_csv(
        tmp_path / "v.csv", [["V1", "张三", "云C1", "100"]], header=["记录编号", "姓名", "车牌号", "估值"]
    )
    # when
    with pytest.raises(LakeError) as raised:
        _ingest(path, lake)
    # then
    message = raised.value.message
    assert "缺少必需的列" in message
    assert "身份证号码（id_number" in message and "车辆类型（vehicle_type" in message
    assert "未写入任何数据" in message
    assert raised.value.details["missing"] == ["id_number", "vehicle_type"]
    assert not lake.exists() or _lake_files(lake) == []


def test_re_ingesting_the_same_file_is_unchanged_and_byte_identical(tmp_path, lake):
    # given
    path = _write_csv(tmp_path / "v.csv", ROWS)
    _ingest(path, lake)
    data = lake / "vehicles" / PERIOD / "data.parquet"
    rejected = lake / "vehicles" / PERIOD / "rejected.parquet"
    before = (data.read_bytes(), rejected.read_bytes(), data.stat().st_mtime_ns)
    # when
    report = _ingest(path, lake)
    # then
    assert report.status == "unchanged"
    assert (data.read_bytes(), rejected.read_bytes(), data.stat().st_mtime_ns) == before
    assert [p.name for p in _lake_files(lake)] == ["data.parquet", "rejected.parquet", "report.json"]


def test_a_changed_file_replaces_the_period(tmp_path, lake):
    _ingest(_write_csv(tmp_path / "v.csv", ROWS), lake)
    report = _ingest(_write_csv(tmp_path / "v2.csv", ROWS[:2]), lake)
    assert report.status == "written"
    assert pq.read_table(lake / "vehicles" / PERIOD / "data.parquet").num_rows == 2
    assert pq.read_table(lake / "vehicles" / PERIOD / "rejected.parquet").num_rows == 0


@pytest.mark.parametrize("period", ["2023-6", "202306", "2023-13", ""])
def test_a_bad_period_is_refused(tmp_path, lake, period):
    with pytest.raises(LakeError, match="期别格式错误"):
        ingest_file("vehicles", _write_csv(tmp_path / "v.csv", ROWS), period=period, lake_dir=lake)
    assert not lake.exists()


def test_an_unsupported_file_type_is_refused(tmp_path, lake):
    path = tmp_path / "v.xls"
    path.write_bytes(b"old excel")
    with pytest.raises(LakeError, match="不支持的文件类型"):
        _ingest(path, lake)


def test_the_command_prints_the_chinese_report(tmp_path, lake, capsys):
    # when
    call_command(
        "lake",
        "ingest",
        "vehicles",
        str(_write_csv(tmp_path / "v.csv", ROWS)),
        "--period",
        PERIOD,
        "--lake",
        str(lake),
    )
    # then
    out = capsys.readouterr().out
    assert "校验报告" in out and "合格行数" in out and "拒收原因" in out
    assert (lake / "vehicles" / PERIOD / "report.json").exists()


def test_the_command_turns_lake_errors_into_command_errors(tmp_path, lake):
    path = _write_csv(tmp_path / "v.csv", [["V1"]], header=["记录编号"])
    with pytest.raises(CommandError, match="缺少必需的列"):
        call_command("lake", "ingest", "vehicles", str(path), "--period", PERIOD, "--lake", str(lake))


def test_the_docs_command_finds_the_pages_current(capsys):
    docs = Path(__file__).resolve().parents[2] / "docs" / "data-contracts"
    call_command("lake", "docs", "--check", "--out", str(docs))
    assert "均为最新" in capsys.readouterr().out
