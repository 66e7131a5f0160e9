"""线上数据比对: the finding rules (SQL over links ⋈ departmental source ⋈ registry snapshot)."""

from .codes import COVERAGE_CODES, RECIPIENT_CODES, SOURCE_OF, FindingCode, Side, side_of
from .pipeline import FINDINGS_SCHEMA, compute_findings, spark_steps
from .profile import FindingsProfile
from .rules import BUILDERS, FINDING_COLUMNS, FindingContext, findings_steps, fingerprint

__all__ = [
    "BUILDERS",
    "COVERAGE_CODES",
    "FINDINGS_SCHEMA",
    "FINDING_COLUMNS",
    "RECIPIENT_CODES",
    "SOURCE_OF",
    "FindingCode",
    "FindingContext",
    "FindingsProfile",
    "Side",
    "compute_findings",
    "findings_steps",
    "fingerprint",
    "side_of",
    "spark_steps",
]
