"""Pages of the 一门受理协同办理 workflow: 待办, 已办, 逾期, the case with its timeline and the forms of the
next actions allowed to me, the 公示 notice, and new applications.

Thin views: a form validates the input, ``access_case_by_id`` finds the case (404 outside the jurisdiction),
one action does the work (403 for the wrong role or a read-only account, 409 for the wrong step; the
middleware renders those in Chinese). Input errors the action finds are shown on the case page.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from minzheng.accounts.access import access_household_by_id, require_write
from minzheng.accounts.models import Role, User
from minzheng.assistance.cases import actions, clock, selectors
from minzheng.assistance.cases.access import (
    access_attachment_by_id,
    access_case_by_id,
    authorize_case_action,
    case_state,
)
from minzheng.assistance.cases.choices import (
    CountyOpinion,
    ObjectionResolution,
    Recommendation,
    Scheme,
    TemporarySubtype,
    TerminationReason,
    VerificationStatus,
)
from minzheng.assistance.cases.models import Case
from minzheng.assistance.cases.profile import get_profile
from minzheng.assistance.cases.workflow import CaseAction, allowed_actions, route, step_label
from minzheng.common.errors import ValidationFailed
from minzheng.common.masking import mask_id_number
from minzheng.registry.models import Membership

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # every view here is behind login_required


# --- forms --------------------------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several photos in one field (Django's documented pattern for ``multiple`` file inputs)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"})
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _today() -> object:
    return clock.today()  # looked up at each render, so that the business clock decides


class CaseForm(forms.Form):
    """A form about one case (choices may depend on it)."""

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case = case


class NoteForm(CaseForm):
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class EmptyForm(CaseForm):
    pass


def _staff_choices(case: Case, roles: tuple[str, ...]) -> list[tuple[int, str]]:
    """Staff whose jurisdiction covers the case's village: the village, its township, county and city."""
    village = case.region_id
    covering = {village, village[:9], village[:6], village[:4] + "00"}
    staff = User.objects.filter(is_active=True, role__in=roles, jurisdiction_id__in=covering).order_by(
        "role", "username"
    )
    return [(u.pk, f"{u.get_full_name() or u.username}（{u.get_role_display()}）") for u in staff]


class VisitForm(CaseForm):
    visited_on = forms.DateField(label="调查日期", initial=_today, widget=_DATE)
    investigator_ids = forms.TypedMultipleChoiceField(
        label="调查人员（至少2人）", coerce=int, widget=forms.CheckboxSelectMultiple
    )
    findings = forms.CharField(label="调查情况", widget=forms.Textarea(attrs={"rows": 3}))
    family_signatories = forms.CharField(label="签字的在场家庭成员", max_length=200)
    is_remote = forms.BooleanField(label="电话或视频方式（重大突发事件期间）", required=False)
    attachments = MultipleFileField(label="照片或扫描件（JPG、PNG、PDF）")

    county = False

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        roles = (Role.COUNTY,) if self.county else (Role.VILLAGE, Role.TOWNSHIP, Role.COUNTY)
        field = cast(forms.TypedMultipleChoiceField, self.fields["investigator_ids"])
        field.choices = _staff_choices(case, roles)


class CountyVisitForm(VisitForm):
    county = True


class VerificationResultForm(CaseForm):
    request_id = forms.TypedChoiceField(label="核对申请", coerce=int)
    summary = forms.CharField(label="核对结果", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        pending = case.verification_requests.filter(status=VerificationStatus.PENDING).order_by("pk")
        field = cast(forms.TypedChoiceField, self.fields["request_id"])
        field.choices = [(r.pk, f"{r.requested_on} 申请（第{r.round}轮）") for r in pending]


class PreliminaryReviewForm(CaseForm):
    recommendation = forms.ChoiceField(
        label="初审意见", choices=Recommendation.choices, widget=forms.RadioSelect
    )
    proposed_amount = forms.DecimalField(
        label="拟救助金额（元）", required=False, min_value=0, decimal_places=2
    )
    opinion = forms.CharField(label="初审意见说明", widget=forms.Textarea(attrs={"rows": 3}))


class ObjectionForm(CaseForm):
    objector = forms.CharField(label="异议人（可匿名）", required=False, max_length=64)
    content = forms.CharField(label="异议内容", widget=forms.Textarea(attrs={"rows": 3}))


class ClosePublicityForm(CaseForm):
    resolution = forms.ChoiceField(
        label="有异议时的处理方式",
        required=False,
        choices=[("", "（无异议）"), *ObjectionResolution.choices],
    )


class DemocraticReviewForm(CaseForm):
    held_on = forms.DateField(label="评议日期", initial=_today, widget=_DATE)
    participants = forms.IntegerField(label="参加人数", min_value=1)
    votes_for = forms.IntegerField(label="同意票", min_value=0)
    votes_against = forms.IntegerField(label="不同意票", min_value=0)
    minutes = forms.CharField(label="评议情况", widget=forms.Textarea(attrs={"rows": 3}))
    attachments = MultipleFileField(label="评议照片（JPG、PNG、PDF）")


class CountyReviewForm(CaseForm):
    opinion = forms.ChoiceField(label="审查意见", choices=CountyOpinion.choices, widget=forms.RadioSelect)
    note = forms.CharField(label="审查说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    spot_check_findings = forms.CharField(
        label="抽查情况（被抽中时必填）", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ConfirmForm(CaseForm):
    monthly_amount = forms.DecimalField(label="救助金额（元）", min_value=0, decimal_places=2)
    category = forms.CharField(label="类别／档次", required=False, max_length=64)
    decision_json = forms.CharField(
        label="测算结果（JSON，可留空）", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_decision_json(self) -> dict[str, Any]:
        text = self.cleaned_data["decision_json"].strip()
        if not text:
            return {}
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            raise forms.ValidationError("测算结果不是有效的 JSON") from None
        if not isinstance(value, dict):
            raise forms.ValidationError("测算结果须为 JSON 对象")
        return value


class RejectForm(CaseForm):
    reasons = forms.CharField(label="不予确认理由", widget=forms.Textarea(attrs={"rows": 3}))


class RejectionNoticeForm(CaseForm):
    delivered_on = forms.DateField(label="送达日期", initial=_today, widget=_DATE)


class ReasonForm(CaseForm):
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 2}))


class RecheckForm(CaseForm):
    changed = forms.BooleanField(label="家庭情况有重大变化，需调整金额", required=False)
    new_monthly_amount = forms.DecimalField(
        label="调整后金额（元）", required=False, min_value=0, decimal_places=2
    )
    effective_month = forms.DateField(label="新金额起始月份（1日）", required=False, widget=_DATE)
    note = forms.CharField(label="复核情况", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class MemberDeathForm(CaseForm):
    person_id = forms.TypedChoiceField(label="死亡成员", coerce=int)
    died_on = forms.DateField(label="死亡日期", initial=_today, widget=_DATE)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        members = Membership.objects.filter(household_id=case.household_id).select_related("person")
        field = cast(forms.TypedChoiceField, self.fields["person_id"])
        field.choices = [(m.person_id, f"{m.person.name}（{m.relation}）") for m in members]


class TerminationForm(CaseForm):
    reason = forms.ChoiceField(label="终止原因", choices=TerminationReason.choices)
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


# --- the actions a page can run -------------------------------------------------------------------------


Runner = Callable[[Case, dict[str, Any], User], object]


@dataclass(frozen=True)
class ActionSpec:
    label: str
    form: type[CaseForm]
    run: Runner
    warn: bool = False  # a decisive button (confirm, reject, terminate)


def _visit(county: bool) -> Runner:
    def run(case: Case, data: dict[str, Any], user: User) -> object:
        action = actions.do_record_county_home_visit if county else actions.do_record_investigation
        return action(
            case.pk,
            visited_on=data["visited_on"],
            investigator_ids=data["investigator_ids"],
            findings=data["findings"],
            family_signatories=data["family_signatories"],
            is_remote=data["is_remote"],
            attachments=data["attachments"],
            acting_user=user,
        )

    return run


ACTION_SPECS: dict[CaseAction, ActionSpec] = {
    CaseAction.ACCEPT: ActionSpec(
        "受理", NoteForm, lambda c, d, u: actions.do_accept_case(c.pk, note=d["note"], acting_user=u)
    ),
    CaseAction.RECORD_INVESTIGATION: ActionSpec("登记入户调查", VisitForm, _visit(False)),
    CaseAction.REQUEST_VERIFICATION: ActionSpec(
        "申请信息核对", EmptyForm, lambda c, d, u: actions.do_request_verification(c.pk, acting_user=u)
    ),
    CaseAction.RECORD_VERIFICATION_RESULT: ActionSpec(
        "登记信息核对结果",
        VerificationResultForm,
        lambda c, d, u: actions.do_record_verification_result(
            c.pk, request_id=d["request_id"], result={"summary": d["summary"]}, acting_user=u
        ),
    ),
    CaseAction.SUBMIT_PRELIMINARY_REVIEW: ActionSpec(
        "提交初审意见",
        PreliminaryReviewForm,
        lambda c, d, u: actions.do_submit_preliminary_review(
            c.pk,
            recommendation=d["recommendation"],
            opinion=d["opinion"],
            proposed_amount=d["proposed_amount"],
            acting_user=u,
        ),
    ),
    CaseAction.START_PUBLICITY: ActionSpec(
        "发布公示（7天）", EmptyForm, lambda c, d, u: actions.do_start_publicity(c.pk, acting_user=u)
    ),
    CaseAction.RECORD_OBJECTION: ActionSpec(
        "登记公示异议",
        ObjectionForm,
        lambda c, d, u: actions.do_record_objection(
            c.pk, content=d["content"], objector=d["objector"], acting_user=u
        ),
    ),
    CaseAction.CLOSE_PUBLICITY: ActionSpec(
        "结束公示",
        ClosePublicityForm,
        lambda c, d, u: actions.do_close_publicity(c.pk, resolution=d["resolution"] or None, acting_user=u),
    ),
    CaseAction.RECORD_DEMOCRATIC_REVIEW: ActionSpec(
        "登记民主评议",
        DemocraticReviewForm,
        lambda c, d, u: actions.do_record_democratic_review(
            c.pk,
            held_on=d["held_on"],
            participants=d["participants"],
            votes_for=d["votes_for"],
            votes_against=d["votes_against"],
            minutes=d["minutes"],
            attachments=d["attachments"],
            acting_user=u,
        ),
    ),
    CaseAction.RECORD_COUNTY_HOME_VISIT: ActionSpec("登记县级入户核查", CountyVisitForm, _visit(True)),
    CaseAction.COUNTY_REVIEW: ActionSpec(
        "提交区县审查意见",
        CountyReviewForm,
        lambda c, d, u: actions.do_county_review(
            c.pk,
            opinion=d["opinion"],
            note=d["note"],
            spot_check_findings=d["spot_check_findings"],
            acting_user=u,
        ),
    ),
    CaseAction.CONFIRM: ActionSpec(
        "审核确认（批准）",
        ConfirmForm,
        lambda c, d, u: actions.do_confirm_case(
            c.pk,
            monthly_amount=d["monthly_amount"],
            category=d["category"],
            decision_json=d["decision_json"],
            acting_user=u,
        ),
        warn=True,
    ),
    CaseAction.REJECT: ActionSpec(
        "不予确认",
        RejectForm,
        lambda c, d, u: actions.do_reject_case(c.pk, reasons=d["reasons"], acting_user=u),
        warn=True,
    ),
    CaseAction.RECORD_REJECTION_NOTICE: ActionSpec(
        "登记送达不予确认通知书",
        RejectionNoticeForm,
        lambda c, d, u: actions.do_record_rejection_notice(
            c.pk, delivered_on=d["delivered_on"], acting_user=u
        ),
    ),
    CaseAction.SEND_BACK: ActionSpec(
        "任务回退",
        ReasonForm,
        lambda c, d, u: actions.do_send_back(c.pk, reason=d["reason"], acting_user=u),
    ),
    CaseAction.RECORD_RECHECK: ActionSpec(
        "登记复核",
        RecheckForm,
        lambda c, d, u: actions.do_record_recheck(
            c.pk,
            changed=d["changed"],
            new_monthly_amount=d["new_monthly_amount"],
            effective_month=d["effective_month"],
            note=d["note"],
            acting_user=u,
        ),
    ),
    CaseAction.REPORT_MEMBER_DEATH: ActionSpec(
        "报告家庭成员死亡",
        MemberDeathForm,
        lambda c, d, u: actions.do_report_member_death(
            c.pk, person_id=d["person_id"], died_on=d["died_on"], acting_user=u
        ),
    ),
    CaseAction.SUSPEND: ActionSpec(
        "暂停发放",
        ReasonForm,
        lambda c, d, u: actions.do_suspend_case(c.pk, reason=d["reason"], acting_user=u),
        warn=True,
    ),
    CaseAction.RESUME: ActionSpec(
        "恢复发放", NoteForm, lambda c, d, u: actions.do_resume_case(c.pk, note=d["note"], acting_user=u)
    ),
    CaseAction.START_TERMINATION_PUBLICITY: ActionSpec(
        "发起终止前公示",
        TerminationForm,
        lambda c, d, u: actions.do_start_termination_publicity(
            c.pk, reason=d["reason"], note=d["note"], acting_user=u
        ),
    ),
    CaseAction.TERMINATE: ActionSpec(
        "终止救助",
        TerminationForm,
        lambda c, d, u: actions.do_terminate_case(c.pk, reason=d["reason"], note=d["note"], acting_user=u),
        warn=True,
    ),
}


@dataclass
class ActionForm:
    action: str
    label: str
    form: CaseForm
    warn: bool


def _action_forms(case: Case, user: User, bound: ActionForm | None = None) -> list[ActionForm]:
    if user.is_read_only:
        return []
    result = []
    for action in allowed_actions(case_state(case), user.role):
        spec = ACTION_SPECS[action]
        if bound is not None and bound.action == action:
            result.append(bound)
            continue
        form = spec.form(case=case, prefix=str(action))
        result.append(ActionForm(str(action), spec.label, form, spec.warn))
    return result


# --- lists ----------------------------------------------------------------------------------------------


def _case_list(
    request: HttpRequest, cases: Any, *, title: str, empty: str, extra: dict[str, Any] | None = None
) -> HttpResponse:
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    day = clock.today()
    rows = [
        {
            "case": case,
            "step": step_label(case.scheme, case.step),
            "applicant_id": mask_id_number(case.applicant.id_number),
            "overdue": case.is_overdue_on(day),
        }
        for case in page.object_list
    ]
    context = {"title": title, "empty": empty, "page": page, "rows": rows, "today": day, **(extra or {})}
    return render(request, "web/cases/list.html", context)


@login_required
@require_GET
def case_todo(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    return _case_list(
        request,
        selectors.list_todo_cases(user),
        title="待办",
        empty="没有待办的救助申请。" if not user.is_read_only else "只读账号没有待办事项。",
        extra={"can_open": user.role in (Role.VILLAGE, Role.TOWNSHIP)},
    )


@login_required
@require_GET
def case_done(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    return _case_list(
        request, selectors.list_done_cases(user), title="已办", empty="还没有办理过的救助申请。"
    )


@login_required
@require_GET
def case_overdue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    day = clock.today()
    # A city-wide user counts per county; everyone else per township.
    level = "county" if len(user.jurisdiction_prefix or "") <= 4 else "township"
    counts = selectors.count_overdue_by_region(user, day, level=level)
    return _case_list(
        request,
        selectors.list_overdue_cases(user, day),
        title="逾期",
        empty="没有逾期的救助申请。",
        extra={"counts": counts, "count_level": "县（市、区）" if level == "county" else "乡镇（街道）"},
    )


@login_required
@require_GET
def case_publicity(request: HttpRequest) -> HttpResponse:
    """The 公示 notices running in my jurisdiction, as they are printed and posted: surname only, masked ID
    number, household size, proposed amount. No phone, no address."""
    user = _user(request)
    rows = selectors.list_running_notices(user)
    return render(request, "web/cases/publicity.html", {"rows": rows})


# --- one case -------------------------------------------------------------------------------------------


def _detail_context(case: Case, user: User, bound: ActionForm | None = None) -> dict[str, Any]:
    profile = get_profile()
    steps = route(case.scheme, profile, is_related_party=case.is_related_party, delegated=case.delegated)
    return {
        "case": case,
        "step": step_label(case.scheme, case.step),
        "route": [(str(s), step_label(case.scheme, s)) for s in steps],
        "applicant_id": mask_id_number(case.applicant.id_number),
        "beneficiary_id": mask_id_number(case.beneficiary.id_number) if case.beneficiary else "",
        "overdue": case.is_overdue_on(clock.today()),
        "timeline": selectors.list_timeline(case),
        "investigations": case.investigations.prefetch_related("investigators").order_by("visited_on", "pk"),
        "publicities": case.publicities.order_by("pk"),
        "objections": case.objections.order_by("pk"),
        "verifications": case.verification_requests.order_by("pk"),
        "rechecks": case.rechecks.order_by("-due_on", "-pk"),
        "action_forms": _action_forms(case, user, bound),
    }


@login_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    case = access_case_by_id(user, pk)
    return render(request, "web/cases/detail.html", _detail_context(case, user))


@login_required
@require_POST
def case_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = _user(request)
    case = access_case_by_id(user, pk)
    try:
        case_action_name = CaseAction(action)
    except ValueError:
        raise Http404("没有这个办理操作") from None
    spec = ACTION_SPECS[case_action_name]
    authorize_case_action(user, case, case_action_name)  # 403 / 409 before reading the input
    form = spec.form(request.POST, request.FILES, case=case, prefix=action)
    if form.is_valid():
        try:
            spec.run(case, form.cleaned_data, user)
        except ValidationFailed as error:
            # The action found the input wrong and wrote nothing: show it on the form.
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, f"已{spec.label}")
            return redirect("web:case_detail", pk=case.pk)
    bound = ActionForm(action, spec.label, form, spec.warn)
    case = access_case_by_id(user, pk)
    return render(request, "web/cases/detail.html", _detail_context(case, user, bound), status=400)


@login_required
@require_GET
def case_attachment(request: HttpRequest, pk: int) -> FileResponse:
    """A photo or scan, only to users who may see the case (files are never served from MEDIA_URL)."""
    attachment = access_attachment_by_id(_user(request), pk)
    return FileResponse(
        attachment.file.open("rb"),
        filename=attachment.original_name,
        content_type=attachment.content_type or "application/octet-stream",
    )


# --- a new application ----------------------------------------------------------------------------------


class NewCaseForm(forms.Form):
    scheme = forms.ChoiceField(label="救助类别", choices=Scheme.choices)
    temporary_subtype = forms.ChoiceField(
        label="临时救助类型", required=False, choices=[("", "（非临时救助）"), *TemporarySubtype.choices]
    )
    applicant_id = forms.TypedChoiceField(label="申请人", coerce=int)
    beneficiary_id = forms.TypedChoiceField(
        label="救助对象（按人认定的类别）", coerce=int, required=False, empty_value=None
    )
    delegated = forms.BooleanField(label="审核确认权限已下放乡镇", required=False)
    special_case = forms.BooleanField(label="特殊情况（人户分离、异地申办等）", required=False)
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, members: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["applicant_id"]).choices = members
        cast(forms.TypedChoiceField, self.fields["beneficiary_id"]).choices = [("", "（同申请人）"), *members]


@login_required
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require_write(user)
    try:
        household_id = int(request.GET.get("household", ""))
    except ValueError:
        raise Http404("请从家庭户页面发起救助申请") from None
    household = access_household_by_id(user, household_id)
    members = [
        (m.person_id, f"{m.person.name}（{m.relation}，{mask_id_number(m.person.id_number)}）")
        for m in Membership.objects.filter(household=household, valid_to__isnull=True).select_related(
            "person"
        )
    ]
    form = NewCaseForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = actions.do_open_case(
                household_id=household.pk,
                applicant_id=data["applicant_id"],
                beneficiary_id=data["beneficiary_id"],
                scheme=data["scheme"],
                temporary_subtype=data["temporary_subtype"],
                delegated=data["delegated"],
                special_case=data["special_case"],
                note=data["note"],
                acting_user=user,
            )
        except ValidationFailed as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, "已受理" if case.accepted_on else "已提交，待乡镇受理")
            return redirect("web:case_detail", pk=case.pk)
    status = 400 if form.errors else 200
    return render(request, "web/cases/new.html", {"form": form, "household": household}, status=status)
