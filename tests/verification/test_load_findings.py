"""Loading a run's findings back into the record plane: set-based, idempotent, one task per new finding,
one audit row per load; and the whole path from the registry snapshot through the SQL to the tasks."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pyarrow as pa
import pytest

from minzheng.audit.models import AuditLog
from minzheng.common.errors import PermissionDenied, ValidationFailed
from minzheng.verification.actions import do_load_findings, open_run, run_findings
from minzheng.verification.findings import FindingCode
from minzheng.verification.models import Finding, FindingStage, VerificationRun, VisitTask

from .conftest import finding_row, findings_table, load, standard_rows
from .world import MEANS_SCHEMA, PEOPLE_SCHEMA, links_table, source_table, table

pytestmark = pytest.mark.django_db


def _state() -> tuple[int, int, int]:
    return Finding.objects.count(), VisitTask.objects.count(), AuditLog.objects.count()


def test_new_findings_each_open_one_task_for_the_township_due_in_10_working_days(world, clock):
    # given the load runs on Monday 2023-07-03
    clock.set("2023-07-03")
    audit_before = AuditLog.objects.count()
    # when
    run = load(standard_rows(world))
    # then every finding has its task, for the township of its household's village
    assert run.counts == {
        "rows": 5,
        "new": 5,
        "seen_again": 0,
        "tasks": 5,
        "unmatched": 0,
        "by_code": {
            "death": 1,
            "elderly_alone_no_income": 1,
            "fanpin_uncovered": 1,
            "severe_disability_uncovered": 1,
            "vehicle": 1,
        },
    }
    tasks = {t.finding.code: t for t in VisitTask.objects.select_related("finding")}
    assert (tasks["vehicle"].township_code, tasks["vehicle"].village_code) == ("530602001", "530602001001")
    assert (tasks["fanpin_uncovered"].township_code, tasks["fanpin_uncovered"].village_code) == (
        "530602101",
        "530602101201",
    )
    assert {t.deadline for t in tasks.values()} == {datetime.date(2023, 7, 17)}
    assert {t.status for t in tasks.values()} == {"open"}
    finding = tasks["vehicle"].finding
    assert (finding.first_seen_run, finding.last_seen_run, finding.status, finding.region_code) == (
        run,
        run,
        "open",
        "530602001001",
    )
    assert finding.evidence == "车管：小型汽车 云C·12345，估值 35,000 元，超过 20,000 元"
    # and one audit row for the load
    assert AuditLog.objects.count() == audit_before + 1
    audit = AuditLog.objects.order_by("-id").first()
    assert (audit.event_type, audit.subject_type, audit.subject_id) == (
        "verification.findings_loaded",
        "verification_run",
        str(run.pk),
    )
    assert audit.summary == "2023-06 数据比对：新发现 5 条（生成走访任务 5 个），再次发现 0 条"
    assert FindingStage.objects.count() == 0


def test_the_same_evidence_on_the_next_run_opens_no_new_task(world, clock):
    # given June's run
    june = load(standard_rows(world))
    findings, tasks, _ = _state()
    # when July's run sees the same evidence
    clock.set("2023-08-01")
    july = load(standard_rows(world), period="2023-07")
    # then nothing new: every finding was seen again
    assert _state()[:2] == (findings, tasks)
    assert july.counts["new"] == 0 and july.counts["seen_again"] == 5 and july.counts["tasks"] == 0
    assert set(Finding.objects.values_list("first_seen_run", "last_seen_run")) == {(june.pk, july.pk)}


def test_loading_the_same_run_twice_changes_nothing(world, clock):
    run = open_run(period="2023-06")
    do_load_findings(run, findings_table(standard_rows(world)))
    before = _state()
    result = do_load_findings(run, findings_table(standard_rows(world)))
    assert (result.new_findings, result.tasks_created) == (0, 0)
    assert _state()[:2] == before[:2]


def test_new_evidence_opens_exactly_one_new_task(world, clock):
    load(standard_rows(world))
    findings, tasks, _ = _state()
    # given July adds a second vehicle of 张小明
    extra = finding_row(
        FindingCode.VEHICLE,
        world.person("张小明"),
        world.zhang,
        "V2",
        "车管：货车 云C·77777，估值 60,000 元，超过 20,000 元",
    )
    july = load([*standard_rows(world), extra], period="2023-07")
    assert _state()[:2] == (findings + 1, tasks + 1)
    assert (july.counts["new"], july.counts["seen_again"], july.counts["tasks"]) == (1, 5, 1)
    assert VisitTask.objects.get(finding__record_id="V2").finding.first_seen_run == july


def test_a_duplicate_row_in_one_run_is_one_finding(world, clock):
    row = standard_rows(world)[1]
    run = load([row, {**row, "match_weight": 3.0}])
    assert run.counts["rows"] == 1 and Finding.objects.get().weight == 10.0


def test_a_row_for_a_person_missing_from_the_registry_is_counted_not_loaded(world, clock):
    row = {**standard_rows(world)[1], "person_id": 999_999, "fingerprint": "f" * 64}
    run = load([*standard_rows(world), row])
    assert (run.counts["new"], run.counts["unmatched"]) == (5, 1)


def test_an_unknown_finding_code_writes_nothing(world, clock):
    run = open_run(period="2023-06")
    rows = [{**standard_rows(world)[0], "finding_code": "ufo"}]
    before = _state()
    with pytest.raises(ValidationFailed, match="未知的比对类别：ufo"):
        do_load_findings(run, findings_table(rows))
    assert _state() == before


def test_a_table_without_the_finding_columns_is_refused(world, clock):
    run = open_run(period="2023-06")
    with pytest.raises(ValidationFailed, match="比对结果缺少列"):
        do_load_findings(run, pa.table({"finding_code": ["death"]}))


def test_only_county_city_and_admin_staff_load_findings(world, staff, clock):
    run = open_run(period="2023-06")
    for key in ("township", "auditor"):
        with pytest.raises(PermissionDenied):
            do_load_findings(run, findings_table(standard_rows(world)), acting_user=staff[key])
    assert Finding.objects.count() == 0
    result = do_load_findings(run, findings_table(standard_rows(world)), acting_user=staff["county"])
    assert result.new_findings == 5
    assert AuditLog.objects.order_by("-id").first().actor == staff["county"]


def test_a_period_must_be_a_month():
    with pytest.raises(ValidationFailed, match="YYYY-MM"):
        open_run(period="2023-6")
    assert VerificationRun.objects.count() == 0


def test_from_the_registry_snapshot_through_the_rules_to_the_tasks(world, clock):
    # given a registry snapshot of the world's households, and 车管 data on 张小明's car
    people = []
    for household in (world.zhang, world.li, world.wang, world.zhao):
        for m in household.memberships.select_related("person"):
            people.append(
                {
                    "person_id": m.person_id,
                    "household_id": household.pk,
                    "id_number": m.person.id_number,
                    "name": m.person.name,
                    "birth_date": m.person.birth_date,
                    "region_code": household.region_id,
                    "urban_rural": household.urban_rural,
                    "is_cohabiting": True,
                }
            )
    from minzheng.assistance.models import Entitlement

    entitlements = [
        {"person_id": p, "household_id": h, "scheme": s}
        for p, h, s in Entitlement.objects.values_list("person_id", "household_id", "scheme")
    ]
    means = [
        {
            "household_id": h.pk,
            "persons": h.memberships.count(),
            "net_monthly_income": Decimal("300.00"),
            "standard": Decimal("640.00"),
        }
        for h in (world.zhang, world.li, world.wang, world.zhao)
    ]
    xiaoming = world.person("张小明")
    tables = {
        "people": table(people, PEOPLE_SCHEMA),
        "entitlements": table(
            entitlements, [("person_id", pa.int64()), ("household_id", pa.int64()), ("scheme", pa.string())]
        ),
        "household_means": table(means, MEANS_SCHEMA),
        "vehicles": source_table(
            "vehicles",
            [
                {
                    "record_id": "CG-1",
                    "plate_number": "云C·12345",
                    "vehicle_type": "小型汽车",
                    "value_estimate": Decimal("35000"),
                }
            ],
        ),
        "vehicles_links": links_table([("CG-1", xiaoming.pk, "exact", 1.0)]),
    }
    # when the rules run and the result is loaded
    run, result = run_findings(tables, period="2023-06", as_of=datetime.date(2023, 6, 30))
    # then 张小明's car is a finding with its task
    assert (result.new_findings, result.tasks_created, run.engine) == (1, 1, "duckdb")
    task = VisitTask.objects.select_related("finding").get(finding__code="vehicle")
    assert (task.finding.person, task.finding.household, task.township_code) == (
        xiaoming,
        world.zhang,
        "530602001",
    )
    assert task.finding.evidence == "车管：小型汽车 云C·12345，估值 35,000 元，超过 20,000 元"
