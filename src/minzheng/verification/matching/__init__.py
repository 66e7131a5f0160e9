"""Matching departmental records to the registry (数据比对): exact by ID key, fuzzy with Splink.

See `pipeline.link_source` for the entry point, `sql` for the portable SQL (DuckDB and Spark),
`fuzzy` for the Splink model, `evaluate` for precision/recall on synthetic data with known truth.
"""

from .evaluate import Evaluation, Score, evaluate_links
from .fixture import LinkageFixture, make_linkage_fixture
from .fuzzy import DEFAULT_THRESHOLD, FuzzySettings
from .pipeline import LinkResult, LinkStats, link_source

__all__ = [
    "DEFAULT_THRESHOLD",
    "Evaluation",
    "FuzzySettings",
    "LinkResult",
    "LinkStats",
    "LinkageFixture",
    "Score",
    "evaluate_links",
    "link_source",
    "make_linkage_fixture",
]
