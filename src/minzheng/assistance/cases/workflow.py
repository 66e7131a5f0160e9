"""The state machine of a case, as pure functions over plain values (no ORM, no database).

Steps (``choices.Step``) and the route each scheme takes:

- 低保, 特困, 临时救助:  受理 → 家庭经济状况调查 → 初审 → 公示 (7 calendar days) → [民主评议] →
  [县级入户核查] → 区县审查意见 → 审核确认
- 孤儿, 事实无人抚养, 残疾人两项补贴: the same without 公示 and 民主评议 (事实无人抚养: no 公示 to protect
  the child, S8; for 孤儿 and 两项补贴 no national rule asks for one [K]).

Branches:

- 公示 with an objection → 重新调查 or 民主评议 → a new 初审 → a new 公示 (a new "round").
- 民主评议: ``WorkflowProfile.democratic_review_step`` — ``"never"``, ``"on_objection"`` (the national rule,
  S1 art. 19) or ``"always"`` (the Zhaotong/Yunnan system, policy §9, the default here) [L].
- 初审 "不符合" → straight to the county (nothing to publicise); the county decides and the township
  delivers the written reasons within 3 working days.
- 单独登记备案 (a close relative of staff, S1 art. 11/20) → 县级入户核查 before the county's review.
- 急难型临时救助: 先行救助 — the grant may be confirmed and paid at any step before 审核确认; the
  investigation and 公示 are completed afterwards (the case is flagged ``paperwork_pending``).
- 特困 termination: 终止前公示 (7 days) → 终止确认, effective from the next month (S2 art. 25).

Deadlines are working days (``minzheng.common.workdays``) except the 公示 (calendar days).
"""

from __future__ import annotations

import calendar
import datetime
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from enum import Enum, StrEnum
from typing import Literal

from minzheng.common.workdays import Overrides, add_workdays

from .choices import (
    ONE_OFF_SCHEMES,
    CaseStatus,
    ObjectionResolution,
    RecheckBasis,
    Recommendation,
    Scheme,
    Step,
    TemporarySubtype,
)

DemocraticReviewRule = Literal["never", "on_objection", "always"]


# --- the policy profile ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkflowProfile:
    """The local parameters of the workflow. ``ZHAOTONG`` is the default; settings may override each field
    (``MINZHENG["CASES"]``, see ``profile.py``)."""

    # [L] "always": the Zhaotong/Yunnan system has a 民主评议 step in every dibao/特困/临时救助 flow (§9);
    # "on_objection": the national minimum (S1 art. 19); "never": objections go to re-investigation only.
    democratic_review_step: DemocraticReviewRule = "always"
    # [C] 公示 7 days (S1 art. 19, S2 art. 15 and 25).
    publicity_days: int = 7
    # [C] the county spot-checks at least 30% of 特困 applications (S2 art. 16).
    tekun_spot_check_ratio: Decimal = Decimal("0.30")
    # [C] 复核 yearly, every 6 months for unstable income with labour capacity (S1 art. 31); other schemes
    # yearly [K]; 0 = no periodic re-check (临时救助 is one-off).
    recheck_months: Mapping[str, int] = field(
        default_factory=lambda: {
            Scheme.DIBAO: 12,
            Scheme.TEKUN: 12,
            Scheme.TEMPORARY: 0,
            Scheme.ORPHAN: 12,
            Scheme.DE_FACTO_ORPHAN: 12,
            Scheme.DISABILITY_SUBSIDY: 12,
        }
    )
    recheck_months_unstable: int = 6
    # [K] "收入来源不固定且成员有劳动能力": a cohabiting member 有劳动能力 whose work is one of these.
    unstable_employments: tuple[str, ...] = ("务工", "灵活就业", "无业")
    # [C] S4: re-check within 3 months of a member's death.
    death_recheck_months: int = 3


ZHAOTONG = WorkflowProfile()
NATIONAL_MINIMUM = WorkflowProfile(democratic_review_step="on_objection")


# --- routes ------------------------------------------------------------------------------------------------

_PUBLICITY_SCHEMES = frozenset({Scheme.DIBAO, Scheme.TEKUN, Scheme.TEMPORARY})


def has_publicity(scheme: str) -> bool:
    """Whether the scheme's applications are publicised (公示) before the county decides."""
    return scheme in _PUBLICITY_SCHEMES


def is_one_off(scheme: str) -> bool:
    return scheme in ONE_OFF_SCHEMES


def allows_advance(scheme: str, temporary_subtype: str) -> bool:
    """急难型临时救助 may be paid first (先行救助, S7; S6 item 15)."""
    return scheme == Scheme.TEMPORARY and temporary_subtype == TemporarySubtype.EMERGENCY


def route(
    scheme: str, profile: WorkflowProfile, *, is_related_party: bool, delegated: bool = False
) -> tuple[Step, ...]:
    """The steps a case normally passes through, in order (for the progress bar and the guide)."""
    steps: list[Step] = [Step.INTAKE, Step.INVESTIGATION, Step.PRELIMINARY_REVIEW]
    if has_publicity(scheme):
        steps.append(Step.PUBLICITY)
        if profile.democratic_review_step == "always":
            steps.append(Step.DEMOCRATIC_REVIEW)
    if is_related_party:
        steps.append(Step.COUNTY_HOME_VISIT)
    if not delegated:
        steps.append(Step.COUNTY_REVIEW)
    steps.append(Step.CONFIRMATION)
    return tuple(steps)


def step_label(scheme: str, step: str) -> str:
    """The step's name as the scheme's documents call it."""
    if scheme == Scheme.DE_FACTO_ORPHAN and step == Step.INVESTIGATION:
        return "乡镇查验"
    return str(Step(step).label)


# --- transitions -------------------------------------------------------------------------------------------


def county_entry_step(*, is_related_party: bool, county_visit_done: bool, delegated: bool = False) -> Step:
    """Where a file goes after the township: the county's home visit first for a related-party case (S1
    art. 20); then the county's review, or straight to 审核确认 when the township holds that power."""
    if is_related_party and not county_visit_done:
        return Step.COUNTY_HOME_VISIT
    return Step.CONFIRMATION if delegated else Step.COUNTY_REVIEW


def step_after_preliminary_review(
    scheme: str,
    recommendation: str,
    *,
    is_related_party: bool,
    county_visit_done: bool,
    delegated: bool = False,
) -> Step:
    if recommendation == Recommendation.ELIGIBLE and has_publicity(scheme):
        return Step.PUBLICITY
    return county_entry_step(
        is_related_party=is_related_party, county_visit_done=county_visit_done, delegated=delegated
    )


class TransitionError(Exception):
    """A transition the rules do not allow; ``message`` is Chinese (the action turns it into a typed error)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def step_after_publicity(
    resolution: str | None,
    profile: WorkflowProfile,
    *,
    is_related_party: bool,
    county_visit_done: bool,
    delegated: bool = False,
) -> Step:
    """After the application 公示: ``resolution`` is None without objection, else how the objection is
    handled (重新调查 or 民主评议)."""
    if resolution is None:
        if profile.democratic_review_step == "always":
            return Step.DEMOCRATIC_REVIEW
        return county_entry_step(
            is_related_party=is_related_party, county_visit_done=county_visit_done, delegated=delegated
        )
    if resolution == ObjectionResolution.REINVESTIGATE:
        return Step.INVESTIGATION
    if resolution == ObjectionResolution.DEMOCRATIC_REVIEW:
        if profile.democratic_review_step == "never":
            raise TransitionError("本地流程未设民主评议环节，公示异议请转重新调查")
        return Step.DEMOCRATIC_REVIEW
    raise TransitionError("公示异议的处理方式只能是重新调查或民主评议")


def step_after_democratic_review(
    *, objection_pending: bool, is_related_party: bool, county_visit_done: bool, delegated: bool = False
) -> Step:
    """A 民主评议 held on an objection leads to a new 初审; a routine one (Zhaotong) to the county."""
    if objection_pending:
        return Step.PRELIMINARY_REVIEW
    return county_entry_step(
        is_related_party=is_related_party, county_visit_done=county_visit_done, delegated=delegated
    )


def step_after_county_home_visit(*, delegated: bool) -> Step:
    return Step.CONFIRMATION if delegated else Step.COUNTY_REVIEW


def send_back_target(trail: Sequence[str]) -> Step | None:
    """任务回退: the step the case was at before the current one (``trail`` ends with the current step)."""
    if len(trail) < 2:
        return None
    return Step(trail[-2])


# --- who may do what, and when -----------------------------------------------------------------------------


class CaseAction(StrEnum):
    ACCEPT = "accept"
    RECORD_INVESTIGATION = "record_investigation"
    REQUEST_VERIFICATION = "request_verification"
    RECORD_VERIFICATION_RESULT = "record_verification_result"
    SUBMIT_PRELIMINARY_REVIEW = "submit_preliminary_review"
    START_PUBLICITY = "start_publicity"
    RECORD_OBJECTION = "record_objection"
    CLOSE_PUBLICITY = "close_publicity"
    RECORD_DEMOCRATIC_REVIEW = "record_democratic_review"
    RECORD_COUNTY_HOME_VISIT = "record_county_home_visit"
    COUNTY_REVIEW = "county_review"
    CONFIRM = "confirm"
    REJECT = "reject"
    RECORD_REJECTION_NOTICE = "record_rejection_notice"
    SEND_BACK = "send_back"
    RECORD_RECHECK = "record_recheck"
    REPORT_MEMBER_DEATH = "report_member_death"
    SUSPEND = "suspend"
    RESUME = "resume"
    START_TERMINATION_PUBLICITY = "start_termination_publicity"
    TERMINATE = "terminate"


VILLAGE, TOWNSHIP, COUNTY = "village", "township", "county"
_WORKING = frozenset({CaseStatus.IN_PROGRESS, CaseStatus.PAID_IN_ADVANCE})
_RECIPIENT = frozenset({CaseStatus.ACTIVE, CaseStatus.SUSPENDED})
_EARLY_STEPS = frozenset({Step.INVESTIGATION, Step.PRELIMINARY_REVIEW})
_BEFORE_CONFIRMATION = frozenset(
    {
        Step.INVESTIGATION,
        Step.PRELIMINARY_REVIEW,
        Step.PUBLICITY,
        Step.DEMOCRATIC_REVIEW,
        Step.COUNTY_HOME_VISIT,
        Step.COUNTY_REVIEW,
    }
)
_SEND_BACK_STEPS = frozenset(
    {
        Step.PRELIMINARY_REVIEW,
        Step.PUBLICITY,
        Step.DEMOCRATIC_REVIEW,
        Step.COUNTY_HOME_VISIT,
        Step.COUNTY_REVIEW,
        Step.CONFIRMATION,
    }
)


@dataclass(frozen=True)
class CaseState:
    """What the rules need to know about a case to say what may happen next."""

    scheme: str
    temporary_subtype: str
    status: str
    step: str
    delegated: bool = False
    publicity_running: bool = False
    verification_pending: bool = False
    trail: tuple[str, ...] = ()


def step_roles(step: str, *, delegated: bool) -> frozenset[str]:
    """The roles whose to-do list shows a case at this step."""
    if step == Step.INVESTIGATION:
        return frozenset({TOWNSHIP, VILLAGE})
    if step in (Step.COUNTY_HOME_VISIT, Step.COUNTY_REVIEW, Step.TERMINATION_DECISION):
        return frozenset({COUNTY})
    if step == Step.CONFIRMATION:
        # 审核确认权限下放乡镇 (S1 art. 2, S4): the township confirms, the county supervises.
        return frozenset({TOWNSHIP}) if delegated else frozenset({COUNTY})
    if step == Step.DONE:
        return frozenset()
    return frozenset({TOWNSHIP})


class Refusal(Enum):
    ROLE = "role"  # the user's role never does this here: 403
    STATE = "state"  # not at this step or status: 409


@dataclass(frozen=True)
class Check:
    allowed: bool
    refusal: Refusal | None = None
    message: str = ""


_OK = Check(True)


def _no_role(message: str) -> Check:
    return Check(False, Refusal.ROLE, message)


def _no_state(message: str) -> Check:
    return Check(False, Refusal.STATE, message)


def check_action(action: CaseAction, state: CaseState, role: str) -> Check:
    """Whether ``role`` may do ``action`` on a case in ``state``; the refusal says why, in Chinese."""
    step, status = state.step, state.status
    step_name = step_label(state.scheme, step)

    def at(steps: Iterable[str], statuses: Iterable[str], roles: Iterable[str], what: str) -> Check:
        if role not in set(roles):
            return _no_role(f"您的角色不能{what}")
        if status not in set(statuses) or step not in set(steps):
            return _no_state(f"本案当前环节为「{step_name}」，不能{what}")
        return _OK

    if action == CaseAction.ACCEPT:
        return at([Step.INTAKE], [CaseStatus.SUBMITTED], [TOWNSHIP], "受理")
    if action == CaseAction.RECORD_INVESTIGATION:
        return at(_EARLY_STEPS, _WORKING, [VILLAGE, TOWNSHIP], "登记入户调查")
    if action == CaseAction.REQUEST_VERIFICATION:
        return at(_EARLY_STEPS, _WORKING, [TOWNSHIP], "申请信息核对")
    if action == CaseAction.RECORD_VERIFICATION_RESULT:
        check = at(_BEFORE_CONFIRMATION | {Step.CONFIRMATION}, _WORKING, [COUNTY], "登记信息核对结果")
        if check.allowed and not state.verification_pending:
            return _no_state("本案没有待反馈的信息核对申请")
        return check
    if action == CaseAction.SUBMIT_PRELIMINARY_REVIEW:
        return at(_EARLY_STEPS, _WORKING, [TOWNSHIP], "提交初审意见")
    if action == CaseAction.START_PUBLICITY:
        check = at([Step.PUBLICITY], _WORKING, [TOWNSHIP], "发布公示")
        if check.allowed and state.publicity_running:
            return _no_state("公示已在进行中")
        return check
    if action in (CaseAction.RECORD_OBJECTION, CaseAction.CLOSE_PUBLICITY):
        what = "登记公示异议" if action == CaseAction.RECORD_OBJECTION else "结束公示"
        check = at([Step.PUBLICITY, Step.TERMINATION_PUBLICITY], _WORKING | _RECIPIENT, [TOWNSHIP], what)
        if check.allowed and not state.publicity_running:
            return _no_state("公示尚未发布")
        return check
    if action == CaseAction.RECORD_DEMOCRATIC_REVIEW:
        return at([Step.DEMOCRATIC_REVIEW], _WORKING, [TOWNSHIP], "登记民主评议")
    if action == CaseAction.RECORD_COUNTY_HOME_VISIT:
        return at([Step.COUNTY_HOME_VISIT], _WORKING, [COUNTY], "登记县级入户核查")
    if action == CaseAction.COUNTY_REVIEW:
        return at([Step.COUNTY_REVIEW], _WORKING, [COUNTY], "提交区县审查意见")
    if action in (CaseAction.CONFIRM, CaseAction.REJECT):
        what = "审核确认" if action == CaseAction.CONFIRM else "作出不予确认决定"
        deciders = [TOWNSHIP] if state.delegated else [COUNTY]
        if (
            action == CaseAction.CONFIRM
            and allows_advance(state.scheme, state.temporary_subtype)
            and status == CaseStatus.IN_PROGRESS
            and step in _BEFORE_CONFIRMATION
        ):
            # 先行救助: the township pays from its 备用金 or the county approves at once.
            return at([step], [status], [TOWNSHIP, COUNTY], "先行救助")
        return at([Step.CONFIRMATION], _WORKING, deciders, what)
    if action == CaseAction.RECORD_REJECTION_NOTICE:
        return at([Step.REJECTION_NOTICE], [CaseStatus.REJECTED], [TOWNSHIP], "登记送达不予确认通知书")
    if action == CaseAction.SEND_BACK:
        roles = step_roles(step, delegated=state.delegated) - {VILLAGE}
        check = at(_SEND_BACK_STEPS, _WORKING, roles, "回退本案")
        if check.allowed and send_back_target(state.trail) is None:
            return _no_state("本案没有可回退的上一环节")
        return check
    if action == CaseAction.RECORD_RECHECK:
        return at([Step.DONE], _RECIPIENT, [TOWNSHIP, COUNTY], "登记复核")
    if action == CaseAction.REPORT_MEMBER_DEATH:
        return at(
            [Step.DONE, Step.TERMINATION_PUBLICITY, Step.TERMINATION_DECISION],
            _RECIPIENT,
            [VILLAGE, TOWNSHIP, COUNTY],
            "报告家庭成员死亡",
        )
    if action == CaseAction.SUSPEND:
        return at([Step.DONE], [CaseStatus.ACTIVE], [COUNTY], "暂停发放")
    if action == CaseAction.RESUME:
        return at([Step.DONE], [CaseStatus.SUSPENDED], [COUNTY], "恢复发放")
    if action == CaseAction.START_TERMINATION_PUBLICITY:
        if state.scheme != Scheme.TEKUN:
            return _no_state("只有特困人员终止救助供养前需要公示")
        return at([Step.DONE], _RECIPIENT, [TOWNSHIP, COUNTY], "发起终止前公示")
    if action == CaseAction.TERMINATE:
        steps = [Step.TERMINATION_DECISION] if state.scheme == Scheme.TEKUN else [Step.DONE]
        check = at(steps, _RECIPIENT, [COUNTY], "终止救助")
        if not check.allowed and check.refusal == Refusal.STATE and state.scheme == Scheme.TEKUN:
            return _no_state("特困人员终止救助供养前须公示7天且无异议")
        return check
    raise ValueError(f"unknown action {action}")  # pragma: no cover  (every CaseAction is handled above)


def allowed_actions(state: CaseState, role: str) -> list[CaseAction]:
    return [action for action in CaseAction if check_action(action, state, role).allowed]


# --- deadlines ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchemeTimings:
    """Statutory limits in working days; None where the rules set none (the case then has no deadline for
    that step, only the total if any)."""

    start_investigation: int | None = None  # after 受理
    preliminary_review: int | None = None  # after 受理 (or after the objection, for a new round)
    county_decision: int | None = None  # after the file reaches the county
    total: int | None = None  # after 受理
    total_delegated: int | None = None
    total_special: int | None = None
    rejection_notice: int = 3  # after the decision (S1 art. 22, S2 art. 18)


TIMINGS: dict[str, SchemeTimings] = {
    # S1 art. 15, 22; S4: ≤3 wd to start investigating, county ≤10 wd, total ≤30 (≤20 delegated, ≤45 special).
    Scheme.DIBAO: SchemeTimings(
        start_investigation=3, county_decision=10, total=30, total_delegated=20, total_special=45
    ),
    # S2 art. 14–16: 初审 ≤15 wd after 受理 (or after an objection), county ≤15 wd.
    Scheme.TEKUN: SchemeTimings(preliminary_review=15, county_decision=15),
    # S8: 乡镇查验 ≤15 wd, county ≤15 wd.
    Scheme.DE_FACTO_ORPHAN: SchemeTimings(preliminary_review=15, county_decision=15),
    # [K] the same as 事实无人抚养 (no national limit found for 孤儿).
    Scheme.ORPHAN: SchemeTimings(preliminary_review=15, county_decision=15),
    # [L] no national limits for 临时救助 and 两项补贴.
    Scheme.TEMPORARY: SchemeTimings(),
    Scheme.DISABILITY_SUBSIDY: SchemeTimings(),
}


@dataclass(frozen=True)
class DeadlineInputs:
    scheme: str
    step: str
    accepted_on: datetime.date | None
    round_started_on: datetime.date | None = None
    investigation_started: bool = False
    publicity_ends_on: datetime.date | None = None  # the last day the notice is up
    county_received_on: datetime.date | None = None
    decided_on: datetime.date | None = None
    delegated: bool = False
    special_case: bool = False


@dataclass(frozen=True)
class Deadlines:
    step: datetime.date | None  # the current step's deadline (already capped by the total)
    total: datetime.date | None  # the whole procedure's deadline (低保 only)


def total_deadline(inputs: DeadlineInputs, overrides: Overrides | None = None) -> datetime.date | None:
    timings = TIMINGS.get(inputs.scheme, SchemeTimings())
    if inputs.accepted_on is None or timings.total is None:
        return None
    days = timings.total
    if inputs.special_case and timings.total_special is not None:
        days = timings.total_special
    elif inputs.delegated and timings.total_delegated is not None:
        days = timings.total_delegated
    return add_workdays(inputs.accepted_on, days, overrides)


def _step_limit(inputs: DeadlineInputs, overrides: Overrides | None) -> datetime.date | None:
    timings = TIMINGS.get(inputs.scheme, SchemeTimings())
    step = inputs.step
    accepted = inputs.accepted_on
    start = timings.start_investigation
    if step == Step.INVESTIGATION and start and accepted and not inputs.investigation_started:
        return add_workdays(accepted, start, overrides)
    anchor = inputs.round_started_on or accepted
    if step in _EARLY_STEPS and timings.preliminary_review and anchor is not None:
        return add_workdays(anchor, timings.preliminary_review, overrides)
    if step in (Step.PUBLICITY, Step.TERMINATION_PUBLICITY) and inputs.publicity_ends_on is not None:
        # The notice stays up its 7 days; the township closes it on the next working day.
        return add_workdays(inputs.publicity_ends_on, 1, overrides)
    received = inputs.county_received_on
    if step in (Step.COUNTY_HOME_VISIT, Step.COUNTY_REVIEW, Step.CONFIRMATION) and timings.county_decision:
        return add_workdays(received, timings.county_decision, overrides) if received else None
    if step == Step.REJECTION_NOTICE and inputs.decided_on is not None:
        return add_workdays(inputs.decided_on, timings.rejection_notice, overrides)
    return None


_TOTAL_APPLIES = frozenset(
    {
        Step.INVESTIGATION,
        Step.PRELIMINARY_REVIEW,
        Step.PUBLICITY,
        Step.DEMOCRATIC_REVIEW,
        Step.COUNTY_HOME_VISIT,
        Step.COUNTY_REVIEW,
        Step.CONFIRMATION,
    }
)


def compute_deadlines(inputs: DeadlineInputs, overrides: Overrides | None = None) -> Deadlines:
    total = total_deadline(inputs, overrides)
    step = _step_limit(inputs, overrides)
    if inputs.step in _TOTAL_APPLIES and total is not None:
        step = total if step is None else min(step, total)
    return Deadlines(step=step, total=total)


def is_overdue(deadline: datetime.date | None, today: datetime.date) -> bool:
    return deadline is not None and today > deadline


def publicity_end(start: datetime.date, profile: WorkflowProfile) -> datetime.date:
    """The last day of a notice put up on ``start`` (7 calendar days: start … start + 6)."""
    return start + datetime.timedelta(days=profile.publicity_days - 1)


# --- county spot checks ------------------------------------------------------------------------------------


def spot_check_count(population: int, ratio: Decimal) -> int:
    """At least ``ratio`` of ``population`` (rounded up: 10 cases at 30% → 3, 11 → 4)."""
    return int((Decimal(population) * ratio).to_integral_value(rounding=ROUND_CEILING))


def select_spot_checks(case_ids: Iterable[int], ratio: Decimal, seed: str | int) -> list[int]:
    """A deterministic random sample: the same ids, ratio and seed always give the same cases, whatever the
    order they come in, so that the draw can be re-done and checked by an auditor. Each id is ranked by
    SHA-256 of ``seed:id``."""
    ids = sorted(set(case_ids))
    count = spot_check_count(len(ids), ratio)
    ranked = sorted(ids, key=lambda case_id: hashlib.sha256(f"{seed}:{case_id}".encode()).hexdigest())
    return sorted(ranked[:count])


# --- months: payments and re-checks ------------------------------------------------------------------------


def first_day_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def first_day_of_next_month(day: datetime.date) -> datetime.date:
    """Payments start "from the month after the decision" (S1 art. 25, S2 art. 17, S8)."""
    return add_months(day.replace(day=1), 1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` moved by ``months`` calendar months, kept inside the month (8-31 + 6 → 2-28/29)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def payment_start(scheme: str, decided_on: datetime.date) -> datetime.date:
    """The first month paid: the month after the decision; a one-off 临时救助 is paid in its own month."""
    if is_one_off(scheme):
        return first_day_of_month(decided_on)
    return first_day_of_next_month(decided_on)


@dataclass(frozen=True)
class RecheckPlan:
    due_on: datetime.date
    basis: RecheckBasis
    months: int


def plan_recheck(
    scheme: str, *, income_unstable: bool, last_checked_on: datetime.date, profile: WorkflowProfile
) -> RecheckPlan | None:
    """The next periodic re-check: every 6 months for dibao households with unstable income and members
    able to work, yearly otherwise; None for schemes without one."""
    months = profile.recheck_months.get(scheme, 12)
    if months <= 0:
        return None
    basis = RecheckBasis.ANNUAL
    if scheme == Scheme.DIBAO and income_unstable:
        months, basis = profile.recheck_months_unstable, RecheckBasis.HALF_YEARLY
    return RecheckPlan(add_months(last_checked_on, months), basis, months)
