"""Vectorised ID normalisation of departmental files."""

from __future__ import annotations

import datetime

import numpy as np
import pyarrow as pa
import pytest

from minzheng.common.ids import InvalidIdNumber, convert_15_to_18, normalize_id_number
from minzheng.synth.city import generate
from minzheng.verification.lake.ids import ID_STATUSES, id_keys, normalize_ids, normalize_ids_with_keys

TODAY = datetime.date(2023, 6, 30)


def _one(raw: str | None) -> tuple[str | None, str]:
    normalized, status = normalize_ids(pa.array([raw], pa.string()), today=TODAY)
    return normalized[0].as_py(), status[0].as_py()


@pytest.mark.parametrize(
    "raw",
    ["11010519491231002X", "11010519491231002x", " １１０１０５１９４９１２３１００２Ｘ ", "110105 19491231 002X",
     "110105-19491231-002X", "'11010519491231002X"],
)  # fmt: skip
def test_full_width_lower_case_spaces_and_dashes_are_normalised(raw):
    assert _one(raw) == ("11010519491231002X", "valid")


def test_fifteen_digit_numbers_are_converted_to_eighteen():
    assert _one("610104620927690") == ("610104196209276908", "converted_15")


def test_fifteen_digit_centenarian_sequences_get_the_nineteenth_century():
    # given: sequence 996 was reserved for people born in the 1800s
    normalized, status = _one("110105850101996")
    # then
    assert status == "converted_15"
    assert normalized == convert_15_to_18("110105850101996")
    assert normalized[6:10] == "1885"


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("110105194912310021", "bad_checksum"),
        ("110105194902300023", "bad_date"),  # 30 February
        ("110105202312310021", "bad_date"),  # after today
        ("110105187912310021", "bad_date"),  # before 1880
        ("610104621327690", "bad_date"),  # month 13 in a 15-digit number
        ("1101051949123100", "bad_length"),
        ("11010519491231002Y", "bad_length"),
        ("1101051949123100X2", "bad_length"),
        ("5.30602E+17", "bad_length"),
        ("", "missing"),
        ("   ", "missing"),
        (None, "missing"),
    ],
)
def test_unusable_numbers_get_a_status_and_no_number(raw, status):
    assert _one(raw) == (None, status)


def test_statuses_are_the_agreed_six():
    assert tuple(ID_STATUSES) == (
        "valid",
        "converted_15",
        "bad_checksum",
        "bad_date",
        "bad_length",
        "missing",
    )


def test_keys_are_the_first_seventeen_digits_of_usable_numbers():
    # given
    raw = pa.array(["11010519491231002X", "610104620927690", "110105194912310021", None])
    # when
    normalized, _, keys = normalize_ids_with_keys(raw, today=TODAY)
    # then
    assert keys.to_pylist() == [11010519491231002, 61010419620927690, None, None]
    assert id_keys(normalized).to_pylist() == keys.to_pylist()


def test_chunked_and_integer_input_is_accepted():
    chunked = pa.chunked_array([["11010519491231002X"], ["610104620927690"]])
    assert normalize_ids(chunked, today=TODAY)[1].to_pylist() == ["valid", "converted_15"]
    integers = pa.array([610104620927690], pa.int64())
    assert normalize_ids(integers, today=TODAY)[0].to_pylist() == ["610104196209276908"]


def test_agrees_with_the_single_number_normaliser_on_damaged_synthetic_ids():
    # given: real-looking IDs, then the same with one digit changed, the check character swapped, a date broken
    ids = generate(scale=0.002, seed=3).population.column("id_number").to_pylist()[:3000]
    rng = np.random.default_rng(5)
    damaged = []
    for number in ids:
        position = int(rng.integers(0, 17))
        digit = str((int(number[position]) + int(rng.integers(1, 10))) % 10)
        damaged.append(number[:position] + digit + number[position + 1 :])
    damaged += [number[:17] + ("0" if number[17] != "0" else "1") for number in ids[:500]]
    damaged += [number[:6] + number[8:17] for number in ids[:500]]  # 15-digit forms
    # when
    normalized, status = normalize_ids(pa.array(ids + damaged), today=TODAY)
    # then: usable exactly when common.ids accepts the number (address codes aside), with the same result
    for raw, ours, code in zip(ids + damaged, normalized.to_pylist(), status.to_pylist(), strict=True):
        try:
            expected = normalize_id_number(raw, today=TODAY)
        except InvalidIdNumber as error:
            assert ours is None or "行政区划" in error.message, (raw, code, error.message)
        else:
            assert ours == expected, (raw, code)
