"""The case timeline: one writer per event type, each writing the CaseEvent and its audit row together.

Every action calls exactly one writer (batch actions call one bulk writer), inside its transaction, after it
has changed the case: so each action leaves one timeline entry and one audit row, or nothing at all.
Personal data in the audit row is masked (ID numbers) or left out (names of objectors, findings text).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from minzheng.accounts.models import User
from minzheng.audit.chain import record
from minzheng.audit.models import AuditEvent

from . import clock
from .choices import CaseEventType, Step
from .models import Case, CaseEvent

SUBJECT_TYPE = "case"


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """JSON as the database will return it (dates and Decimals as strings)."""
    cleaned: dict[str, Any] = json.loads(json.dumps(data, ensure_ascii=False, default=str))
    return cleaned


def _write(
    case: Case,
    event_type: CaseEventType,
    *,
    actor: User | None,
    from_step: str,
    summary: str,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    payload = _clean(data or {})
    if from_step != case.step:
        payload = {"from_step": from_step, "to_step": case.step, **payload}
    event = CaseEvent.objects.create(
        case=case,
        step=from_step,
        event_type=event_type,
        actor=actor,
        at=clock.now(),
        note=note,
        data=payload,
    )
    record(
        AuditEvent.CASE_EVENT,
        actor=actor,
        subject_type=SUBJECT_TYPE,
        subject_id=case.pk,
        region_code=case.region_id,
        summary=f"{case}：{summary}",
        data={"event": str(event_type), "case_event_id": event.pk, "status": case.status, **payload},
    )
    return event


def case_submitted_event(case: Case, *, actor: User, note: str) -> CaseEvent:
    return _write(
        case,
        CaseEventType.SUBMITTED,
        actor=actor,
        from_step=Step.INTAKE,
        summary="村（社区）代办申请，待乡镇受理",
        note=note,
        data={"scheme": case.scheme, "household_id": case.household_id},
    )


def case_accepted_event(case: Case, *, actor: User, from_step: str, note: str) -> CaseEvent:
    return _write(
        case,
        CaseEventType.ACCEPTED,
        actor=actor,
        from_step=from_step,
        summary="受理" + ("（近亲属备案，单独登记）" if case.is_related_party else ""),
        note=note,
        data={
            "scheme": case.scheme,
            "temporary_subtype": case.temporary_subtype,
            "household_id": case.household_id,
            "accepted_on": case.accepted_on,
            "is_related_party": case.is_related_party,
            "special_case": case.special_case,
            "delegated": case.delegated,
            "step_deadline": case.step_deadline,
            "total_deadline": case.total_deadline,
        },
    )


def investigation_recorded_event(
    case: Case,
    *,
    actor: User,
    from_step: str,
    county: bool,
    visited_on: datetime.date,
    investigator_ids: Sequence[int],
    is_remote: bool,
    findings: str,
    attachments: int,
) -> CaseEvent:
    event_type = CaseEventType.COUNTY_HOME_VISITED if county else CaseEventType.INVESTIGATION_RECORDED
    return _write(
        case,
        event_type,
        actor=actor,
        from_step=from_step,
        summary=f"{'县级入户核查' if county else '入户调查'}（{visited_on}，{len(investigator_ids)}人）",
        note=findings,
        data={
            "visited_on": visited_on,
            "investigator_ids": sorted(investigator_ids),
            "is_remote": is_remote,
            "round": case.round,
            "attachments": attachments,
        },
    )


def verification_requested_event(
    case: Case, *, actor: User, request_id: int, items: Sequence[str], start_due_on: datetime.date
) -> CaseEvent:
    return _write(
        case,
        CaseEventType.VERIFICATION_REQUESTED,
        actor=actor,
        from_step=case.step,
        summary="申请家庭经济状况信息核对",
        data={
            "request_id": request_id,
            "items": list(items),
            "status": "pending",
            "start_due_on": start_due_on,
        },
    )


def verification_answered_event(
    case: Case, *, actor: User | None, request_id: int, result: dict[str, Any]
) -> CaseEvent:
    """The 核对报告 came back: entered by the county, or fed by ``minzheng verify`` (no actor: the system)."""
    return _write(
        case,
        CaseEventType.VERIFICATION_ANSWERED,
        actor=actor,
        from_step=case.step,
        summary="登记信息核对结果",
        # The figures stay in the VerificationRequest row; the timeline and the log name the items only.
        data={"request_id": request_id, "status": "answered", "items": sorted(result)},
    )


def preliminary_reviewed_event(
    case: Case, *, actor: User, from_step: str, opinion: str, objections_handled: int
) -> CaseEvent:
    return _write(
        case,
        CaseEventType.PRELIMINARY_REVIEWED,
        actor=actor,
        from_step=from_step,
        summary=f"初审意见：{case.get_preliminary_recommendation_display()}",
        note=opinion,
        data={
            "recommendation": case.preliminary_recommendation,
            "proposed_amount": case.proposed_amount,
            "round": case.round,
            "objections_handled": objections_handled,
        },
    )


def publicity_started_event(
    case: Case,
    *,
    actor: User,
    from_step: str,
    publicity_id: int,
    kind: str,
    started_on: datetime.date,
    ends_on: datetime.date,
    note: str = "",
) -> CaseEvent:
    return _write(
        case,
        CaseEventType.PUBLICITY_STARTED,
        actor=actor,
        from_step=from_step,
        summary=f"公示 {started_on} 至 {ends_on}",
        note=note,
        data={"publicity_id": publicity_id, "kind": kind, "started_on": started_on, "ends_on": ends_on},
    )


def objection_recorded_event(case: Case, *, actor: User, objection_id: int, content: str) -> CaseEvent:
    # The objector's name stays in the Objection row (protected by the case's access rules), not the log.
    return _write(
        case,
        CaseEventType.OBJECTION_RECORDED,
        actor=actor,
        from_step=case.step,
        summary="登记公示异议",
        note=content,
        data={"objection_id": objection_id},
    )


def publicity_closed_event(
    case: Case,
    *,
    actor: User,
    from_step: str,
    publicity_id: int,
    outcome: str,
    resolution: str | None,
    objections: int,
) -> CaseEvent:
    summary = "公示期满无异议" if objections == 0 else f"公示有异议 {objections} 件，转{resolution or '处理'}"
    return _write(
        case,
        CaseEventType.PUBLICITY_CLOSED,
        actor=actor,
        from_step=from_step,
        summary=summary,
        data={
            "publicity_id": publicity_id,
            "outcome": outcome,
            "resolution": resolution,
            "objections": objections,
            "round": case.round,
            "special_case": case.special_case,
        },
    )


def democratic_reviewed_event(
    case: Case,
    *,
    actor: User,
    from_step: str,
    held_on: datetime.date,
    participants: int,
    votes_for: int,
    votes_against: int,
    outcome: str,
    minutes: str,
    attachments: int,
) -> CaseEvent:
    return _write(
        case,
        CaseEventType.DEMOCRATIC_REVIEWED,
        actor=actor,
        from_step=from_step,
        summary=f"民主评议（{held_on}，{participants}人参加，同意{votes_for}票，不同意{votes_against}票）",
        note=minutes,
        data={
            "held_on": held_on,
            "participants": participants,
            "votes_for": votes_for,
            "votes_against": votes_against,
            "outcome": outcome,
            "attachments": attachments,
        },
    )


def county_reviewed_event(case: Case, *, actor: User, from_step: str, note: str) -> CaseEvent:
    return _write(
        case,
        CaseEventType.COUNTY_REVIEWED,
        actor=actor,
        from_step=from_step,
        summary=f"区县审查意见：{case.get_county_opinion_display()}"
        + ("（已抽查）" if case.spot_check_selected else ""),
        note=note,
        data={
            "opinion": case.county_opinion,
            "spot_check_drawn": case.spot_check_drawn,
            "spot_check_selected": case.spot_check_selected,
            "spot_check_findings": case.spot_check_findings,
        },
    )


def _decision_data(case: Case) -> dict[str, Any]:
    return {
        "monthly_amount": case.monthly_amount,
        "category": case.category,
        "decided_on": case.decided_on,
        "payment_start_month": case.payment_start_month,
        "income_unstable": case.income_unstable,
        "decision": case.decision_json,
    }


def advance_granted_event(case: Case, *, actor: User, from_step: str) -> CaseEvent:
    return _write(
        case,
        CaseEventType.ADVANCE_GRANTED,
        actor=actor,
        from_step=from_step,
        summary=f"急难型临时救助先行救助 {case.monthly_amount} 元，后补办手续",
        data={**_decision_data(case), "paperwork_pending": True},
    )


def case_confirmed_event(
    case: Case, *, actor: User, from_step: str, previous_amount: Decimal | None
) -> CaseEvent:
    return _write(
        case,
        CaseEventType.CONFIRMED,
        actor=actor,
        from_step=from_step,
        summary=f"审核确认：{case.category} {case.monthly_amount} 元，自 {case.payment_start_month:%Y年%m月} 起发放"
        if case.payment_start_month
        else "审核确认",
        data={**_decision_data(case), "advance_amount": previous_amount},
    )


def case_rejected_event(
    case: Case, *, actor: User, from_step: str, notice_due_on: datetime.date | None
) -> CaseEvent:
    return _write(
        case,
        CaseEventType.REJECTED,
        actor=actor,
        from_step=from_step,
        summary="不予确认",
        note=case.rejection_reasons,
        data={
            "decided_on": case.decided_on,
            "notice_due_on": notice_due_on,
            "advance_paid": case.advance_assistance,
        },
    )


def rejection_notice_sent_event(case: Case, *, actor: User, from_step: str) -> CaseEvent:
    return _write(
        case,
        CaseEventType.REJECTION_NOTICE_SENT,
        actor=actor,
        from_step=from_step,
        summary=f"不予确认通知书已送达（{case.rejection_notice_sent_on}）",
        data={"delivered_on": case.rejection_notice_sent_on},
    )


def case_sent_back_event(case: Case, *, actor: User, from_step: str, reason: str) -> CaseEvent:
    return _write(
        case,
        CaseEventType.SENT_BACK,
        actor=actor,
        from_step=from_step,
        summary=f"任务回退至「{case.get_step_display()}」",
        note=reason,
    )


def recheck_recorded_event(
    case: Case,
    *,
    actor: User,
    recheck_id: int,
    changed: bool,
    old_amount: Decimal | None,
    new_amount: Decimal | None,
    effective_month: datetime.date | None,
    next_due_on: datetime.date | None,
    note: str,
) -> CaseEvent:
    summary = "复核：无重大变化，金额不变" if not changed else f"复核：金额 {old_amount} → {new_amount} 元"
    return _write(
        case,
        CaseEventType.RECHECK_RECORDED,
        actor=actor,
        from_step=case.step,
        summary=summary,
        note=note,
        data={
            "recheck_id": recheck_id,
            "changed": changed,
            "old_amount": old_amount,
            "new_amount": new_amount,
            "effective_month": effective_month,
            "next_due_on": next_due_on,
        },
    )


def member_death_reported_event(
    case: Case, *, actor: User, person_id: int, died_on: datetime.date, recheck_due_on: datetime.date
) -> CaseEvent:
    return _write(
        case,
        CaseEventType.MEMBER_DEATH_REPORTED,
        actor=actor,
        from_step=case.step,
        summary=f"家庭成员死亡（{died_on}），应于 {recheck_due_on} 前完成复核",
        data={"person_id": person_id, "died_on": died_on, "recheck_due_on": recheck_due_on},
    )


def case_suspended_event(case: Case, *, actor: User, reason: str) -> CaseEvent:
    return _write(
        case,
        CaseEventType.SUSPENDED,
        actor=actor,
        from_step=case.step,
        summary=f"自 {case.suspended_from:%Y年%m月} 起暂停发放" if case.suspended_from else "暂停发放",
        note=reason,
        data={"suspended_from": case.suspended_from},
    )


def case_resumed_event(case: Case, *, actor: User, note: str, resumed_from: datetime.date) -> CaseEvent:
    return _write(
        case,
        CaseEventType.RESUMED,
        actor=actor,
        from_step=case.step,
        summary=f"自 {resumed_from:%Y年%m月} 起恢复发放",
        note=note,
        data={"resumed_from": resumed_from},
    )


def case_terminated_event(
    case: Case, *, actor: User, from_step: str, note: str, publicity_id: int | None
) -> CaseEvent:
    return _write(
        case,
        CaseEventType.TERMINATED,
        actor=actor,
        from_step=from_step,
        summary=f"终止救助（{case.get_termination_reason_display()}），自 {case.terminated_from:%Y年%m月} 起停发"
        if case.terminated_from
        else "终止救助",
        note=note,
        data={
            "reason": case.termination_reason,
            "terminated_from": case.terminated_from,
            "publicity_id": publicity_id,
        },
    )


# --- batch writers: one audit row for the batch, one timeline entry per case ---------------------------------


def _bulk_write(
    cases: Sequence[Case],
    event_type: CaseEventType,
    *,
    actor: User,
    summary: str,
    per_case: dict[int, dict[str, Any]],
    batch_data: dict[str, Any],
    region_code: str,
) -> list[CaseEvent]:
    at = clock.now()
    events = CaseEvent.objects.bulk_create(
        [
            CaseEvent(
                case=case,
                step=case.step,
                event_type=event_type,
                actor=actor,
                at=at,
                data=_clean(per_case.get(case.pk, {})),
            )
            for case in cases
        ],
        batch_size=2000,
    )
    record(
        AuditEvent.CASE_EVENT,
        actor=actor,
        subject_type="case_batch",
        subject_id=str(event_type),
        region_code=region_code,
        summary=summary,
        data={"event": str(event_type), "cases": len(cases), **_clean(batch_data)},
    )
    return events


def spot_check_drawn_events(
    cases: Sequence[Case],
    *,
    actor: User,
    selected_ids: Sequence[int],
    ratio: Decimal,
    seed: str,
    region_code: str,
) -> list[CaseEvent]:
    selected = set(selected_ids)
    return _bulk_write(
        cases,
        CaseEventType.SPOT_CHECK_DRAWN,
        actor=actor,
        summary=f"特困人员审核抽查：{len(cases)} 件中抽取 {len(selected)} 件（比例 {ratio}，种子 {seed}）",
        per_case={case.pk: {"selected": case.pk in selected, "seed": seed, "ratio": ratio} for case in cases},
        batch_data={
            "ratio": ratio,
            "seed": seed,
            "case_ids": sorted(case.pk for case in cases),
            "selected_ids": sorted(selected),
        },
        region_code=region_code,
    )


def recheck_scheduled_events(
    cases: Sequence[Case], *, actor: User, due: dict[int, tuple[datetime.date, str]], region_code: str
) -> list[CaseEvent]:
    return _bulk_write(
        cases,
        CaseEventType.RECHECK_SCHEDULED,
        actor=actor,
        summary=f"安排定期复核 {len(cases)} 件",
        per_case={case_id: {"due_on": due_on, "basis": basis} for case_id, (due_on, basis) in due.items()},
        batch_data={"case_ids": sorted(due)},
        region_code=region_code,
    )
