from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from minzheng.common.ids import InvalidIdNumber, normalize_id_number
from minzheng.verification.matching.fixture import (
    DEFAULT_NOISE_SHARES,
    EXACT_NOISE,
    FUZZY_NOISE,
    classify_ids,
    make_linkage_fixture,
)


@pytest.fixture(scope="module")
def fixture():
    return make_linkage_fixture(2_000, 6_000, seed=7)


def test_every_noise_kind_is_either_an_exact_or_a_fuzzy_case():
    kinds = {kind for kind, _ in DEFAULT_NOISE_SHARES}
    assert kinds == EXACT_NOISE | FUZZY_NOISE
    assert not EXACT_NOISE & FUZZY_NOISE


def test_the_fixture_is_deterministic_for_a_seed(fixture):
    again = make_linkage_fixture(2_000, 6_000, seed=7)

    assert again.source.equals(fixture.source)
    assert again.registry.equals(fixture.registry)
    assert again.truth.equals(fixture.truth)


def test_registry_ids_are_unique_valid_and_keyed(fixture):
    registry = fixture.registry
    numbers = registry["id_number"].to_pylist()

    assert len(set(numbers)) == registry.num_rows == 2_000
    assert all(normalize_id_number(number) == number for number in numbers[:200])
    assert registry["id_key"].to_pylist() == [int(number[:17]) for number in numbers]


def test_id_statuses_follow_the_noise(fixture):
    table = fixture.source.append_column("noise", fixture.truth["noise"])
    pairs = {(row["noise"], row["id_status"]) for row in table.select(["noise", "id_status"]).to_pylist()}

    expected = {
        "clean": {"valid"},
        "outsider": {"valid"},
        "id_15": {"converted_15"},
        "typo": {"bad_checksum", "bad_date"},
        "transposition": {"bad_checksum", "bad_date"},
        "wrong_check": {"bad_checksum"},
        "bad_length": {"bad_length"},
        "typo_15": {"converted_15", "bad_date"},
        "missing": {"missing"},
        "outsider_missing": {"missing"},
    }
    for noise, status in pairs:
        assert status in expected[noise], (noise, status)


def test_clean_and_15_digit_records_carry_the_key_of_their_person(fixture):
    table = fixture.source.append_column("noise", fixture.truth["noise"]).append_column(
        "person_id", fixture.truth["person_id"]
    )
    exact = table.filter(pc.is_in(table["noise"], pa.array(["clean", "id_15"])))
    keys = dict(
        zip(fixture.registry["person_id"].to_pylist(), fixture.registry["id_key"].to_pylist(), strict=True)
    )

    assert exact.num_rows > 4_000
    assert all(
        keys[p] == k for p, k in zip(exact["person_id"].to_pylist(), exact["id_key"].to_pylist(), strict=True)
    )


def test_outsiders_have_no_person_and_others_do(fixture):
    truth = fixture.truth
    outsider = pc.is_in(truth["noise"], pa.array(["outsider", "outsider_missing"]))

    assert pc.all(pc.is_null(truth.filter(outsider)["person_id"])).as_py()
    assert pc.all(pc.is_valid(truth.filter(pc.invert(outsider))["person_id"])).as_py()


def test_records_without_any_id_text_keep_their_birth_date(fixture):
    missing = fixture.source.filter(pc.equal(fixture.source["id_status"], "missing"))

    assert missing.num_rows > 100
    assert missing["birth_date"].null_count == 0


@pytest.mark.parametrize(
    "raw",
    [
        "53060219800101123X",
        "530602198001011231",
        "530602800101123",
        "532101651315246",
        "5306021980010112",
        None,
        "",
    ],
)
def test_classify_ids_agrees_with_the_single_id_normaliser(raw):
    number, status, key = (column[0].as_py() for column in classify_ids(pa.array([raw], pa.string())))

    try:
        expected = normalize_id_number(raw) if raw else None
    except InvalidIdNumber:
        expected = None
    assert number == expected
    assert (key is not None) == (expected is not None)
    assert status in {"valid", "converted_15"} if expected else status not in {"valid", "converted_15"}
