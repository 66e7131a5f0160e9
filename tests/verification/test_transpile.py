"""The compute SQL is one text for DuckDB and Spark: every step of the finding and monitoring pipelines
transpiles through SQLGlot (failing on anything it cannot carry over), parses back as Spark SQL, keeps to the
agreed subset, and binds exactly the parameters it declares."""

from __future__ import annotations

import pytest

from minzheng.verification.findings import BUILDERS, FindingCode, FindingContext, FindingsProfile
from minzheng.verification.findings.rules import findings_steps, linked_sources, shared_steps
from minzheng.verification.findings.sqlkit import SqlStep
from minzheng.verification.monitoring import MonitoringContext, MonitoringProfile, monitoring_steps

from .portable import check_portable
from .world import AS_OF, PERIOD, world_tables

AVAILABLE = frozenset(world_tables())
FINDING_CONTEXT = FindingContext(FindingsProfile(), PERIOD, AS_OF, AVAILABLE)
MONITORING_CONTEXT = MonitoringContext(MonitoringProfile(), PERIOD, AS_OF, AVAILABLE)
# the signals of sources that did not arrive are empty selects: check that form too
EMPTY_MONITORING_CONTEXT = MonitoringContext(
    MonitoringProfile(), PERIOD, AS_OF, frozenset({"people", "entitlements", "household_means"})
)


def _steps() -> list[SqlStep]:
    steps = shared_steps(FINDING_CONTEXT)  # person_context and every source's <source>_linked
    steps += [BUILDERS[code](FINDING_CONTEXT) for code in FindingCode]
    steps += findings_steps(FINDING_CONTEXT)[-1:]
    steps += monitoring_steps(MONITORING_CONTEXT)
    steps += monitoring_steps(EMPTY_MONITORING_CONTEXT)[1:7]
    return steps


STEPS = _steps()


@pytest.mark.parametrize("step", STEPS, ids=lambda s: s.name)
def test_the_step_transpiles_to_spark_and_binds_exactly_its_parameters(step: SqlStep):
    check_portable(step)


def test_there_is_a_step_for_every_finding_code_and_a_union():
    names = [s.name for s in findings_steps(FINDING_CONTEXT)]
    linked = [f"{source}_linked" for source in linked_sources(AVAILABLE)]
    assert linked
    assert names == [*linked, "person_context", *(f"finding_{code}" for code in FindingCode), "findings"]


def test_the_spark_sql_hashes_with_sha2_and_keeps_the_text_concatenation():
    spark = BUILDERS[FindingCode.VEHICLE](FINDING_CONTEXT).spark_sql()
    assert "SHA2(CONCAT_WS('|'" in spark
    assert "CAST(x.person_id AS STRING)" in spark
