"""Precision and recall of the findings against what the synthetic city planted (its truth file), and of
the 收入下降 warnings against the planted income changes (their own truth file).

A planted finding is (finding_code, the person's ID number); a finding the rules produced is the same pair
once its person is looked up. Pairs, not records: the rules cite one record for a grouped finding (a death
reported by three departments, two houses, a whole 防返贫 household), while the truth lists every record. Cases are split by how their record can be matched: "exact" (a usable ID, incl.
a converted 15-digit one) and "fuzzy" (an ID typo, a wrong check digit or no ID at all: only the name,
birth date and region remain).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

FUZZY_NOISE = ("typo", "bad_check", "missing_id")
# findings the rules give once per household (the truth lists every member): compared by household
HOUSEHOLD_CODES = ("fanpin_uncovered",)


@dataclass(frozen=True)
class Score:
    kind: str
    planted: int
    found: int
    true_positives: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.planted if self.planted else 1.0

    def line(self) -> str:
        return (
            f"{self.kind}: planted {self.planted:,}, found {self.found:,}, correct {self.true_positives:,}; "
            f"precision {self.precision:.4f}, recall {self.recall:.4f}"
        )


def evaluate_findings(findings: pa.Table, people: pa.Table, truth: pa.Table) -> dict[str, Score]:
    """Scores overall and per match kind. ``findings`` as computed (finding_code, person_id, source,
    record_id …), ``people`` the registry snapshot (person_id, id_number), ``truth`` the planted file."""
    con = duckdb.connect()
    con.register("findings", findings)
    con.register("people", people)
    con.register("truth", truth)
    fuzzy = ", ".join(f"'{n}'" for n in FUZZY_NOISE)
    household = ", ".join(f"'{c}'" for c in HOUSEHOLD_CODES)
    con.execute(
        f"""
        CREATE TEMP TABLE planted AS
        -- a pair is "exact" when at least one of its records carries a usable ID
        SELECT finding_code, CASE WHEN finding_code IN ({household}) THEN CAST(household_id AS VARCHAR)
                                  ELSE id_number END AS subject,
               CASE WHEN bool_or(noise NOT IN ({fuzzy})) THEN 'exact' ELSE 'fuzzy' END AS kind
        FROM truth WHERE finding_code NOT LIKE 'negative_%'
        GROUP BY ALL
        """
    )
    con.execute(
        f"""
        CREATE TEMP TABLE got AS
        SELECT f.finding_code, CASE WHEN f.finding_code IN ({household}) THEN CAST(f.household_id AS VARCHAR)
                                    ELSE p.id_number END AS subject,
               bool_or(f.match_method = 'exact') AS any_exact
        FROM findings f JOIN people p USING (person_id)
        -- codes the synthetic city does not plant cannot be judged here
        WHERE f.finding_code IN (SELECT DISTINCT finding_code FROM truth)
        GROUP BY ALL
        """
    )
    # a found pair is correct when planted; one not planted counts against the kind of link that made it
    con.execute(
        """
        CREATE TEMP TABLE judged AS
        SELECT g.*, coalesce(t.kind, CASE WHEN g.any_exact THEN 'exact' ELSE 'fuzzy' END) AS kind,
               t.subject IS NOT NULL AS correct
        FROM got g LEFT JOIN planted t USING (finding_code, subject)
        """
    )
    scores = {}
    for kind in ("exact", "fuzzy", "all"):
        where = "" if kind == "all" else f"WHERE kind = '{kind}'"
        planted = con.execute(f"SELECT count(*) FROM planted {where}").fetchone()
        found = con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE correct) FROM judged {where}"
        ).fetchone()
        assert planted is not None and found is not None
        scores[kind] = Score(kind, int(planted[0]), int(found[0]), int(found[1]))
    return scores


def evaluate_income_drop(warnings: pa.Table, people: pa.Table, truth: pa.Table) -> Score:
    """The 收入下降 warnings (``warnings`` as computed: person_id, signal …) against the planted income
    changes (``synth.departments.income_truth_path``): a planted drop is a person's ID number with code
    ``income_drop``; a warning about anyone else — a ``negative_income_*`` or an unplanted person — counts
    against precision."""
    con = duckdb.connect()
    con.register("warnings", warnings)
    con.register("people", people)
    con.register("truth", truth)
    planted, found, correct = con.execute(
        """
        WITH planted AS (SELECT DISTINCT id_number FROM truth WHERE code = 'income_drop'),
        got AS (
            SELECT DISTINCT p.id_number FROM warnings w JOIN people p USING (person_id)
            WHERE w.signal = 'income_drop'
        )
        SELECT (SELECT count(*) FROM planted), (SELECT count(*) FROM got),
               (SELECT count(*) FROM got WHERE id_number IN (SELECT id_number FROM planted))
        """
    ).fetchone() or (0, 0, 0)
    return Score("income_drop", int(planted), int(found), int(correct))
