from __future__ import annotations

import pyarrow as pa
import pytest

from minzheng.verification.matching.evaluate import evaluate_links

TRUTH = pa.table(
    {
        "record_id": ["R1", "R2", "R3", "R4", "R5", "R6"],
        "person_id": pa.array([1, 2, 3, 4, None, None], pa.int64()),
        "noise": ["clean", "clean", "typo", "missing", "outsider", "outsider_missing"],
    }
)


def test_precision_and_recall_per_case():
    # given: R1 right, R2 wrong person, R3 right, R4 missed, R6 (an outsider) linked
    links = pa.table(
        {
            "record_id": ["R1", "R2", "R3", "R6"],
            "person_id": pa.array([1, 9, 3, 4], pa.int64()),
        }
    )

    # when
    evaluation = evaluate_links(links, TRUTH)

    # then
    assert (evaluation.exact.links, evaluation.exact.correct, evaluation.exact.positives) == (2, 1, 2)
    assert evaluation.exact.precision == 0.5
    assert evaluation.exact.recall == 0.5
    assert (evaluation.fuzzy.links, evaluation.fuzzy.correct, evaluation.fuzzy.positives) == (2, 1, 2)
    assert evaluation.overall.precision == 0.5
    assert evaluation.overall.recall == 0.5
    assert evaluation.by_noise["outsider_missing"].links == 1
    assert evaluation.overall.records == 6


def test_no_links_means_full_precision_and_no_recall():
    empty = pa.table({"record_id": pa.array([], pa.string()), "person_id": pa.array([], pa.int64())})

    evaluation = evaluate_links(empty, TRUTH)

    assert evaluation.overall.precision == 1.0
    assert evaluation.overall.recall == 0.0


def test_two_links_for_one_record_are_refused():
    links = pa.table({"record_id": ["R1", "R1"], "person_id": pa.array([1, 2], pa.int64())})

    with pytest.raises(ValueError):
        evaluate_links(links, TRUTH)
