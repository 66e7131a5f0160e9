"""Pages of 线上比对 + 线下走访 and of monitoring: 走访任务 (my tasks, overdue badge), a task with its visit
form (photos) and assignment, the photos (access-checked), 比对发现 for the county (with its decision on
confirmed findings), 监测预警 with their handling, the counts of the low-income population, and
一户一条救助链 (one household's timeline).

Thin views: a form validates the input, an ``access_…`` function finds the record (404 outside the
jurisdiction), one action does the work (403 for a read-only account or the wrong role, 409 for a closed
task; the middleware renders those in Chinese). Input errors the action finds are shown on the form.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from minzheng.accounts.access import access_household_by_id
from minzheng.accounts.models import Role, User
from minzheng.assistance.cases import clock
from minzheng.common.errors import ValidationFailed
from minzheng.common.masking import mask_id_number
from minzheng.verification import actions, selectors
from minzheng.verification.findings.codes import SOURCE_LABELS, FindingCode, Side, side_of
from minzheng.verification.models import (
    FindingStatus,
    TaskStatus,
    VisitCaseAction,
    VisitOutcome,
    VisitTask,
    WarningStatus,
)

PAGE_SIZE = 50
_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_RECIPIENT_ACTIONS = (
    VisitCaseAction.NONE,
    VisitCaseAction.RECHECK,
    VisitCaseAction.SUSPEND,
    VisitCaseAction.TERMINATE,
)
_COVERAGE_ACTIONS = (VisitCaseAction.NONE, VisitCaseAction.APPLY)


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # every view here is behind login_required


# --- forms ----------------------------------------------------------------------------------------------


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one field (Django's documented pattern for ``multiple`` file inputs)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png", "capture": "environment"})
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def _today() -> object:
    return clock.today()


class VisitForm(forms.Form):
    visited_on = forms.DateField(label="走访日期", initial=_today, widget=_DATE)
    visitor_ids = forms.TypedMultipleChoiceField(
        label="走访人员", coerce=int, widget=forms.CheckboxSelectMultiple
    )
    outcome = forms.ChoiceField(label="核实结果", choices=VisitOutcome.choices, widget=forms.RadioSelect)
    case_action = forms.ChoiceField(label="属实时的救助业务处理（留空按默认）", required=False)
    died_on = forms.DateField(label="死亡日期（核实死亡时填写）", required=False, widget=_DATE)
    notes = forms.CharField(label="走访情况", widget=forms.Textarea(attrs={"rows": 3}))
    photos = PhotosField(label="现场照片（JPG、PNG）")

    def __init__(self, *args: Any, task: VisitTask, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        staff = selectors.visit_staff(task.village_code)
        visitors = cast(forms.TypedMultipleChoiceField, self.fields["visitor_ids"])
        visitors.choices = [
            (u.pk, f"{u.get_full_name() or u.username}（{u.get_role_display()}）") for u in staff
        ]
        side = side_of(task.finding.code)
        allowed = _RECIPIENT_ACTIONS if side == Side.RECIPIENT else _COVERAGE_ACTIONS
        action = cast(forms.ChoiceField, self.fields["case_action"])
        action.choices = [("", "（默认）"), *((a.value, a.label) for a in allowed)]
        if task.finding.code != FindingCode.DEATH:
            del self.fields["died_on"]


class AssignForm(forms.Form):
    assignee_id = forms.TypedChoiceField(label="走访责任人", coerce=int)

    def __init__(self, *args: Any, task: VisitTask, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.TypedChoiceField, self.fields["assignee_id"])
        field.choices = [
            (u.pk, f"{u.get_full_name() or u.username}（{u.get_role_display()}）")
            for u in selectors.assignable_staff(task.village_code)
        ]


class FindingActForm(forms.Form):
    case_action = forms.ChoiceField(
        label="处置",
        choices=[
            (VisitCaseAction.SUSPEND.value, VisitCaseAction.SUSPEND.label),
            (VisitCaseAction.TERMINATE.value, VisitCaseAction.TERMINATE.label),
            (VisitCaseAction.RECHECK.value, VisitCaseAction.RECHECK.label),
            (VisitCaseAction.APPLY.value, VisitCaseAction.APPLY.label),
        ],
    )
    note = forms.CharField(label="说明", required=False, max_length=1000)


class HandleWarningForm(forms.Form):
    note = forms.CharField(label="处置情况", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


# --- 走访任务 ----------------------------------------------------------------------------------------------


@login_required
@require_GET
def visit_task_list(request: HttpRequest) -> HttpResponse:
    """走访任务: township and village staff start on their own tasks; an overdue badge on each late one."""
    user = _user(request)
    today = clock.today()
    default = "mine" if user.role in (Role.VILLAGE, Role.TOWNSHIP) else "all"
    view = request.GET.get("view", default)
    if view not in ("mine", "all", "overdue"):
        view = default
    tasks = selectors.list_tasks(user, mine=view == "mine", overdue_on=today if view == "overdue" else None)
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {"task": t, "overdue": t.is_overdue_on(today), "side": side_of(t.finding.code)}
        for t in page.object_list
    ]
    context = {
        "view": view,
        "page": page,
        "rows": rows,
        "today": today,
        "overdue_count": selectors.count_overdue_tasks(user, today),
    }
    return render(request, "web/verification/tasks.html", context)


def _task_context(task: VisitTask, user: User, **forms_: Any) -> dict[str, Any]:
    visit = getattr(task, "visit", None)
    can_visit = (
        task.status == TaskStatus.OPEN and not user.is_read_only and user.role in selectors.VISIT_ROLES
    )
    can_assign = (
        task.status == TaskStatus.OPEN and not user.is_read_only and user.role in actions.ASSIGNER_ROLES
    )
    return {
        "task": task,
        "finding": task.finding,
        "side": side_of(task.finding.code),
        "source_label": SOURCE_LABELS.get(task.finding.source, task.finding.source),
        "person_id_number": mask_id_number(task.finding.person.id_number),
        "overdue": task.is_overdue_on(clock.today()),
        "visit": visit,
        "visitors": list(visit.visitors.all()) if visit else [],
        "photos": list(visit.photos.all()) if visit else [],
        "visit_form": forms_.get("visit_form") or (VisitForm(task=task) if can_visit else None),
        "assign_form": forms_.get("assign_form") or (AssignForm(task=task) if can_assign else None),
    }


@login_required
@require_http_methods(["GET", "POST"])
def visit_task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    task = selectors.access_task_by_id(user, pk)
    if request.method == "GET":
        return render(request, "web/verification/task_detail.html", _task_context(task, user))
    form = VisitForm(request.POST, request.FILES, task=task)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_record_visit(
                task.pk,
                visited_on=data["visited_on"],
                visitor_ids=data["visitor_ids"],
                outcome=data["outcome"],
                notes=data["notes"],
                photos=data["photos"],
                case_action=data["case_action"],
                died_on=data.get("died_on"),
                acting_user=user,
            )
        except ValidationFailed as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, "已登记走访结果")
            return redirect("web:visit_task_detail", pk=task.pk)
    task = selectors.access_task_by_id(user, pk)
    return render(
        request, "web/verification/task_detail.html", _task_context(task, user, visit_form=form), status=400
    )


@login_required
@require_POST
def visit_task_assign(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    task = selectors.access_task_by_id(user, pk)
    form = AssignForm(request.POST, task=task)
    if form.is_valid():
        try:
            actions.do_assign_task(task.pk, assignee_id=form.cleaned_data["assignee_id"], acting_user=user)
        except ValidationFailed as error:
            form.add_error("assignee_id", error.message)
        else:
            messages.success(request, "已分派走访责任人")
            return redirect("web:visit_task_detail", pk=task.pk)
    task = selectors.access_task_by_id(user, pk)
    return render(
        request, "web/verification/task_detail.html", _task_context(task, user, assign_form=form), status=400
    )


@login_required
@require_GET
def visit_photo(request: HttpRequest, pk: int) -> FileResponse:
    """A visit photo, only to users who may see the task (files are never served from MEDIA_URL)."""
    photo = selectors.access_visit_photo_by_id(_user(request), pk)
    return FileResponse(photo.file.open("rb"), filename=photo.original_name, content_type=photo.content_type)


# --- 比对发现 --------------------------------------------------------------------------------------------


@login_required
@require_GET
def finding_list(request: HttpRequest) -> HttpResponse:
    """比对发现 of the jurisdiction, by code and status; confirmed ones wait for the county's decision."""
    user = _user(request)
    code = request.GET.get("code", "")
    status = request.GET.get("status", "")
    code = code if code in FindingCode.values else ""
    status = status if status in FindingStatus.values else ""
    page = Paginator(selectors.list_findings(user, code=code, status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    can_act = not user.is_read_only and user.role == Role.COUNTY
    context = {
        "page": page,
        "rows": [
            {"finding": f, "side": side_of(f.code), "task": getattr(f, "task", None)}
            for f in page.object_list
        ],
        "codes": FindingCode.choices,
        "statuses": FindingStatus.choices,
        "code": code,
        "status": status,
        "counts": selectors.finding_counts(user),
        "latest_run": selectors.latest_run(),
        "act_form": FindingActForm(auto_id=False) if can_act else None,
    }
    return render(request, "web/verification/findings.html", context)


@login_required
@require_POST
def finding_act(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    form = FindingActForm(request.POST)
    if not form.is_valid():
        raise ValidationFailed("请选择处置方式", field="case_action")
    actions.do_act_on_finding(
        pk, case_action=form.cleaned_data["case_action"], note=form.cleaned_data["note"], acting_user=user
    )
    messages.success(request, "已转入救助办理")
    return redirect("web:finding_list")


# --- 监测 --------------------------------------------------------------------------------------------------


@login_required
@require_GET
def warning_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    period = request.GET.get("period", "")
    status = request.GET.get("status", WarningStatus.OPEN)
    status = status if status in WarningStatus.values else ""
    page = Paginator(selectors.list_warnings(user, period=period, status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "rows": list(page.object_list),
        "period": period,
        "status": status,
        "periods": selectors.list_periods(user),
        "statuses": WarningStatus.choices,
        "can_handle": not user.is_read_only and user.role in actions.WARNING_HANDLER_ROLES,
        "handle_form": HandleWarningForm(),
    }
    return render(request, "web/verification/warnings.html", context)


@login_required
@require_POST
def warning_handle(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    # the action checks the note (required, length) and says so in Chinese
    actions.do_handle_warning(pk, note=request.POST.get("note", ""), acting_user=user)
    messages.success(request, "已登记预警处置情况")
    return redirect("web:warning_list")


@login_required
@require_GET
def monitoring_counts(request: HttpRequest) -> HttpResponse:
    """低收入人口: persons per category, county and month (the indicators)."""
    user = _user(request)
    period = request.GET.get("period", "")
    periods = selectors.list_periods(user)
    if not period and periods:
        period = periods[0]
    counts = selectors.count_low_income(user, period=period)
    totals: dict[str, int] = {}
    for c in counts:
        totals[c.category_label] = totals.get(c.category_label, 0) + c.persons
    context = {"counts": counts, "period": period, "periods": periods, "totals": totals}
    return render(request, "web/verification/monitoring.html", context)


# --- 一户一条救助链 -------------------------------------------------------------------------------------------


@login_required
@require_GET
def household_chain(request: HttpRequest, pk: int) -> HttpResponse:
    household = access_household_by_id(_user(request), pk)
    events = selectors.household_assistance_chain(household.pk)
    return render(request, "web/verification/chain.html", {"household": household, "events": events})
