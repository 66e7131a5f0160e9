"""Checks of a generated 户籍 dataset, set-based in DuckDB: every ID number valid (check character, birth
date, address code in force in the birth year, as python-stdnum requires) and unique, and county
populations against the 2020 census shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

# GB 11643 weights of the first 17 digits; the check character is "10X98765432"[sum mod 11].
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)

CENSUS_2020 = {
    "530602": 911_766,
    "530621": 398_447,
    "530622": 462_173,
    "530623": 317_463,
    "530624": 209_116,
    "530625": 349_157,
    "530626": 135_468,
    "530627": 1_349_795,
    "530628": 503_376,
    "530629": 352_318,
    "530681": 103_532,
}


def checksum_sql(column: str = "id_number") -> str:
    terms = " + ".join(f"CAST(substr({column}, {i + 1}, 1) AS INTEGER) * {w}" for i, w in enumerate(_WEIGHTS))
    return f"substr('10X98765432', (({terms}) % 11) + 1, 1)"


@dataclass
class PopulationReport:
    rows: int
    expected_total: int
    distinct_ids: int
    bad_checksum: int
    bad_birth_date: int
    bad_address_pairs: list[tuple[str, int]]
    stdnum_sample: int
    stdnum_sample_failures: int
    county_share_errors: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return (
            self.distinct_ids == self.rows
            and self.bad_checksum == 0
            and self.bad_birth_date == 0
            and not self.bad_address_pairs
            and self.stdnum_sample_failures == 0
            and max(self.county_share_errors.values(), default=0) <= 0.01
        )

    def lines(self) -> list[str]:
        worst = max(self.county_share_errors.items(), key=lambda kv: kv[1], default=("-", 0.0))
        return [
            f"population rows {self.rows:,} (expected {self.expected_total:,}); distinct IDs {self.distinct_ids:,}",
            f"bad check characters {self.bad_checksum}, bad birth dates {self.bad_birth_date}, "
            f"(address code, birth year) pairs not in force {len(self.bad_address_pairs)}",
            f"python-stdnum full validation on a sample of {self.stdnum_sample:,}: "
            f"{self.stdnum_sample_failures} failures",
            f"worst county share deviation from the 2020 census: {worst[0]} {worst[1]:.3%} (limit 1%)",
            f"all checks passed: {self.ok}",
        ]


def verify_population(path: Path, *, expected_total: int, sample: int = 100_000) -> PopulationReport:
    con = duckdb.connect()
    con.execute(f"CREATE VIEW population AS SELECT * FROM read_parquet('{path}')")
    rows, distinct = con.execute("SELECT count(*), count(DISTINCT id_number) FROM population").fetchone() or (
        0,
        0,
    )
    bad_checksum = con.execute(
        f"SELECT count(*) FROM population WHERE substr(id_number, 18, 1) <> {checksum_sql()}"
    ).fetchone()
    bad_birth = con.execute(
        "SELECT count(*) FROM population WHERE try_strptime(substr(id_number, 7, 8), '%Y%m%d') IS NULL "
        "OR CAST(try_strptime(substr(id_number, 7, 8), '%Y%m%d') AS DATE) <> birth_date"
    ).fetchone()
    # The address code must be in force in the birth year: check each distinct pair once with stdnum.
    pairs = con.execute(
        "SELECT DISTINCT substr(id_number, 1, 6), CAST(substr(id_number, 7, 4) AS INTEGER) FROM population"
    ).fetchall()
    bad_pairs = []
    for code, year in pairs:
        body = f"{code}{year:04d}0101001"
        try:
            ric.get_birth_place(body + ric.calc_check_digit(body + "0"))
        except ValidationError:
            bad_pairs.append((code, year))
    sample_ids = [
        r[0] for r in con.execute(f"SELECT id_number FROM population USING SAMPLE {sample} ROWS").fetchall()
    ]
    failures = sum(1 for number in sample_ids if not ric.is_valid(number))
    counts = dict(
        con.execute("SELECT substr(hukou_region_code, 1, 6), count(*) FROM population GROUP BY 1").fetchall()
    )
    census_total = sum(CENSUS_2020.values())
    share_errors = {
        code: abs(counts.get(code, 0) / max(rows, 1) - census / census_total) / (census / census_total)
        for code, census in CENSUS_2020.items()
    }
    return PopulationReport(
        rows=rows,
        expected_total=expected_total,
        distinct_ids=distinct,
        bad_checksum=int(bad_checksum[0]) if bad_checksum else 0,
        bad_birth_date=int(bad_birth[0]) if bad_birth else 0,
        bad_address_pairs=bad_pairs,
        stdnum_sample=len(sample_ids),
        stdnum_sample_failures=failures,
        county_share_errors=share_errors,
    )
