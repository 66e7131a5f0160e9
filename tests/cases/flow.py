"""Helpers that drive a case through its steps, and the write-counting checks used by every test."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from django.forms.models import model_to_dict

from minzheng.assistance.cases import actions
from minzheng.assistance.cases.models import (
    Case,
    CaseAttachment,
    CaseEvent,
    Investigation,
    Objection,
    Publicity,
    Recheck,
    VerificationRequest,
)
from minzheng.audit.models import AuditLog

WRITTEN = (
    Case,
    CaseEvent,
    AuditLog,
    Investigation,
    Publicity,
    Objection,
    Recheck,
    VerificationRequest,
    CaseAttachment,
)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in WRITTEN}


@contextmanager
def writes_one_event(event_type: str | None = None) -> Iterator[None]:
    """The block writes exactly one CaseEvent and one audit row (of that event type, if given)."""
    events_before, audit_before = CaseEvent.objects.count(), AuditLog.objects.count()
    last_event = CaseEvent.objects.order_by("-pk").first()
    yield
    assert CaseEvent.objects.count() == events_before + 1
    assert AuditLog.objects.count() == audit_before + 1
    event = CaseEvent.objects.order_by("-pk").first()
    assert event is not None and event != last_event
    audit = AuditLog.objects.order_by("-id").first()
    assert audit is not None
    assert (audit.event_type, audit.subject_type, audit.subject_id) == (
        "case.event",
        "case",
        str(event.case_id),
    )
    assert audit.data["case_event_id"] == event.pk
    if event_type is not None:
        assert event.event_type == event_type


@contextmanager
def writes_nothing(case: Case | None = None) -> Iterator[None]:
    """The block (which raises) leaves every workflow table and the case row as they were."""
    before = counts()
    row = model_to_dict(Case.objects.get(pk=case.pk)) if case is not None else None
    yield
    assert counts() == before
    if case is not None:
        assert model_to_dict(Case.objects.get(pk=case.pk)) == row


def investigate(case: Case, staff, clock, day: str, *, by: str = "village", team=("village", "township")):
    clock.set(day)
    return actions.do_record_investigation(
        case.pk,
        visited_on=clock.day,
        investigator_ids=[staff[key].pk for key in team],
        findings="家中无稳定收入，户主患慢性病",
        family_signatories="张三丰",
        acting_user=staff[by],
    )


def preliminary(case: Case, staff, clock, day: str, *, amount: str = "450.00", by: str = "township"):
    clock.set(day)
    return actions.do_submit_preliminary_review(
        case.pk,
        recommendation="eligible",
        opinion="经调查，家庭人均收入低于当地低保标准，建议纳入",
        proposed_amount=amount,
        acting_user=staff[by],
    )


def publicise(case: Case, staff, clock, start: str, close: str):
    clock.set(start)
    actions.do_start_publicity(case.pk, acting_user=staff["township"])
    clock.set(close)
    return actions.do_close_publicity(case.pk, acting_user=staff["township"])


def democratic_review(case: Case, staff, clock, day: str):
    clock.set(day)
    return actions.do_record_democratic_review(
        case.pk,
        held_on=clock.day,
        participants=9,
        votes_for=8,
        votes_against=1,
        minutes="村民代表评议，8人同意",
        acting_user=staff["township"],
    )


def county_review(case: Case, staff, clock, day: str, **kwargs):
    clock.set(day)
    return actions.do_county_review(case.pk, opinion="agree", acting_user=staff["county"], **kwargs)


def confirm(case: Case, staff, clock, day: str, *, amount: str = "450.00", by: str = "county2", **kwargs):
    clock.set(day)
    return actions.do_confirm_case(
        case.pk,
        monthly_amount=Decimal(amount),
        category="B档",
        decision_json={"scheme": case.scheme, "eligible": True, "tier": "B"},
        acting_user=staff[by],
        **kwargs,
    )


def open_dibao(household, staff, clock, day: str = "2023-09-28", **kwargs) -> Case:
    clock.set(day)
    return actions.do_open_case(
        household_id=household.pk,
        applicant_id=household.head_id,
        scheme="dibao",
        acting_user=staff["township"],
        **kwargs,
    )


def dibao_at_county(household, staff, clock) -> Case:
    """A 低保 case from 受理 on 2023-09-28 to the county's review on 2023-10-19."""
    case = open_dibao(household, staff, clock)
    investigate(case, staff, clock, "2023-10-09")
    preliminary(case, staff, clock, "2023-10-11")
    publicise(case, staff, clock, "2023-10-11", "2023-10-18")
    democratic_review(case, staff, clock, "2023-10-19")
    case.refresh_from_db()
    return case


def d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)
