"""Precision and recall of links against a truth table, overall and for the exact and fuzzy cases.

A record's *case* is decided by the truth (its noise kind), not by the method that linked it: a
record with a spoiled ID is a fuzzy case even if something linked it exactly.

    precision = correct links / links made        (an outsider linked counts as a wrong link)
    recall    = correct links / records that have a person in the registry
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

from .fixture import EXACT_NOISE, FUZZY_NOISE, LinkageFixture, make_linkage_fixture

__all__ = ["Evaluation", "LinkageFixture", "Score", "evaluate_links", "make_linkage_fixture"]


@dataclass(frozen=True)
class Score:
    records: int
    """Records of this case (with or without a person in the registry)."""
    positives: int
    """Records of this case whose person is in the registry."""
    links: int
    correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.links if self.links else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.positives if self.positives else 1.0

    def line(self, label: str) -> str:
        return (
            f"{label}: precision {self.precision:.4f} ({self.correct:,}/{self.links:,}), "
            f"recall {self.recall:.4f} ({self.correct:,}/{self.positives:,})"
        )


@dataclass(frozen=True)
class Evaluation:
    overall: Score
    exact: Score
    fuzzy: Score
    by_noise: dict[str, Score]

    def lines(self) -> list[str]:
        return [
            self.overall.line("overall"),
            self.exact.line("exact cases"),
            self.fuzzy.line("fuzzy cases"),
            *(score.line(f"  {noise}") for noise, score in sorted(self.by_noise.items())),
        ]


EVALUATION_SQL = """
SELECT
    t.noise,
    count(*) AS records,
    count(t.person_id) AS positives,
    count(l.person_id) AS links,
    count(CASE WHEN l.person_id = t.person_id THEN 1 END) AS correct
FROM truth AS t
LEFT JOIN links AS l
    ON l.record_id = t.record_id
GROUP BY t.noise
"""


def evaluate_links(links: pa.Table, truth: pa.Table) -> Evaluation:
    """Score `links` (record_id, person_id) against `truth` (record_id, person_id, noise).

    Set-based on an in-memory DuckDB, so a 30M-record benchmark is scored in seconds.
    """
    con = duckdb.connect()
    try:
        con.register("links", links.select(["record_id", "person_id"]))
        con.register("truth", truth.select(["record_id", "person_id", "noise"]))
        duplicated = con.sql("SELECT count(*) - count(DISTINCT record_id) FROM links").fetchall()[0][0]
        if duplicated:
            raise ValueError(f"{duplicated} records have more than one link")
        rows = con.sql(EVALUATION_SQL).fetchall()
    finally:
        con.close()
    by_noise = {noise: Score(*(int(value) for value in values)) for noise, *values in rows}
    return Evaluation(
        overall=_total(by_noise.values()),
        exact=_total(score for kind, score in by_noise.items() if kind in EXACT_NOISE),
        fuzzy=_total(score for kind, score in by_noise.items() if kind in FUZZY_NOISE),
        by_noise=by_noise,
    )


def _total(scores) -> Score:
    records = positives = links = correct = 0
    for score in scores:
        records += score.records
        positives += score.positives
        links += score.links
        correct += score.correct
    return Score(records, positives, links, correct)
