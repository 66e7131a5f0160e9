"""Registry pages: household list, household as of a date, person (with the audited reveal), the Excel
export and the audit log.

Every query starts from the access layer (``scope_*`` / ``access_*_by_id``), so a record outside the
user's jurisdiction is simply not there (a detail page answers 404, exactly as for a missing record).
ID numbers and phones are masked in every page and export unless the user has the reveal permission and
asks for them; each reveal and each export writes an audit row.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from openpyxl import Workbook

from minzheng.accounts.access import (
    access_household_by_id,
    access_person_by_id,
    region_filter,
    scope_audit_logs,
    scope_households,
)
from minzheng.accounts.models import User
from minzheng.audit.chain import record
from minzheng.audit.models import AuditEvent, AuditLog
from minzheng.common.errors import PermissionDenied, ValidationFailed
from minzheng.common.ids import InvalidIdNumber, normalize_id_number
from minzheng.common.masking import mask_id_number, mask_phone, mask_text
from minzheng.common.models import Region, RegionLevel, UrbanRural, region_prefix
from minzheng.registry.actions import do_reveal_person_data
from minzheng.registry.models import Disability, Household, Membership, Person, Relation
from minzheng.registry.selectors import MemberView, get_household_as_of, valid_on

PAGE_SIZE = 50


_LEVEL_DEPTH: dict[str, int] = {
    RegionLevel.CITY: 0,
    RegionLevel.COUNTY: 1,
    RegionLevel.TOWNSHIP: 2,
    RegionLevel.VILLAGE: 3,
}


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # every view here is behind login_required


# --- household list and its filters -------------------------------------------------------------------


class HouseholdFilterForm(forms.Form):
    region = forms.ChoiceField(label="区划", required=False)
    urban_rural = forms.ChoiceField(label="城乡", required=False, choices=[("", "全部"), *UrbanRural.choices])
    q = forms.CharField(label="搜索", required=False, max_length=64)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = (
            Region.objects.filter(region_filter(user, "code"))
            .exclude(code=user.jurisdiction_id or "")
            .order_by("code")
            .only("code", "name", "level")
        )
        choice_field = cast(forms.ChoiceField, self.fields["region"])
        choice_field.choices = [
            ("", "全部"),
            *((r.code, "\u3000" * _LEVEL_DEPTH.get(r.level, 0) + r.name) for r in regions),
        ]


@dataclass(frozen=True)
class HouseholdFilters:
    region: str
    urban_rural: str
    q: str

    def for_audit(self) -> dict[str, str]:
        """The filters as the audit log keeps them: a searched ID number is masked."""
        return {"region": self.region, "urban_rural": self.urban_rural, "q": mask_text(self.q)}


def _read_filters(request: HttpRequest) -> tuple[HouseholdFilterForm, HouseholdFilters | None]:
    form = HouseholdFilterForm(request.GET or None, user=_user(request))
    if not form.is_bound:
        return form, HouseholdFilters(region="", urban_rural="", q="")
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    return form, HouseholdFilters(region=data["region"], urban_rural=data["urban_rural"], q=data["q"].strip())


def _filter_households(user: User, filters: HouseholdFilters) -> QuerySet[Household]:
    """The user's households narrowed by the filters. Searching by an ID number matches it exactly among
    the current members of households already in scope, so it says nothing about people elsewhere."""
    households = scope_households(user)
    if filters.region:
        households = households.filter(region__pk__startswith=region_prefix(filters.region))
    if filters.urban_rural:
        households = households.filter(urban_rural=filters.urban_rural)
    if filters.q:
        try:
            id_number = normalize_id_number(filters.q)
        except InvalidIdNumber:
            by_number_or_name = Q(household_number__icontains=filters.q) | Q(head__name__contains=filters.q)
            households = households.filter(by_number_or_name)
        else:
            with_member = Membership.objects.filter(person__id_number=id_number, valid_to__isnull=True)
            households = households.filter(pk__in=with_member.values("household_id"))
    return households


@dataclass(frozen=True)
class HouseholdRow:
    household: Household
    head_name: str
    head_id_number: str  # masked
    member_count: int


@login_required
@require_GET
def household_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form, filters = _read_filters(request)
    households = Household.objects.none() if filters is None else _filter_households(user, filters)
    households = (
        households.select_related("region", "head")
        .annotate(member_count=Count("memberships", filter=Q(memberships__valid_to__isnull=True)))
        .order_by("household_number")
    )
    page = Paginator(households, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        HouseholdRow(
            household=h,
            head_name=h.head.name if h.head else "",
            head_id_number=mask_id_number(h.head.id_number) if h.head else "",
            member_count=h.member_count,  # type: ignore[attr-defined]  # from annotate()
        )
        for h in page.object_list
    ]
    return render(
        request,
        "web/household_list.html",
        {"form": form, "page": page, "rows": rows, "can_reveal": user.can_reveal_personal_data()},
    )


# --- one household as of a date ------------------------------------------------------------------------


class AsOfForm(forms.Form):
    as_of = forms.DateField(
        label="查看日期", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


@dataclass(frozen=True)
class MemberRow:
    person: Person
    relation: str
    sex: str
    age: int
    id_number: str  # masked
    phone: str  # masked
    is_cohabiting: bool
    exclusion_reason: str
    disabilities: list[str]


_RELATION_ORDER = {relation: index for index, relation in enumerate(Relation.values)}


def _member_order(member: MemberView) -> tuple[int, datetime.date]:
    """户主 first, then by relation as the form lists them, then oldest first (the selector sorts the
    relation by its text, which puts 户主 after 子女)."""
    return (_RELATION_ORDER.get(member.relation, len(_RELATION_ORDER)), member.person.birth_date)


@login_required
@require_GET
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    household = access_household_by_id(user, pk)
    today = timezone.localdate()
    form = AsOfForm(request.GET or None, initial={"as_of": today})
    as_of = today
    if form.is_bound and form.is_valid() and form.cleaned_data["as_of"]:
        as_of = form.cleaned_data["as_of"]
    snapshot = get_household_as_of(household, as_of)
    members = [
        MemberRow(
            person=m.person,
            relation=m.relation,
            sex=m.person.sex,
            age=m.age,
            id_number=mask_id_number(m.person.id_number),
            phone=mask_phone(m.person.phone),
            is_cohabiting=m.is_cohabiting,
            exclusion_reason=m.exclusion_reason,
            disabilities=[str(d) for d in m.disabilities],
        )
        for m in sorted(snapshot.members, key=_member_order)
    ]
    history = AuditLog.objects.filter(subject_type="household", subject_id=str(household.pk)).order_by("-id")

    return render(
        request,
        "web/household_detail.html",
        {
            "household": household,
            "form": form,
            "as_of": as_of,
            "snapshot": snapshot,
            "members": members,
            "counted_incomes": [i for i in snapshot.incomes if i.counted],
            "excluded_incomes": [i for i in snapshot.incomes if not i.counted],
            "history": history[:200],
        },
    )


# --- one person, and the audited reveal ----------------------------------------------------------------


class RevealForm(forms.Form):
    reason = forms.CharField(label="查看事由", required=False, max_length=200)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    person = access_person_by_id(user, pk)
    revealed: dict[str, str] | None = None
    form = RevealForm(request.POST or None)
    if request.method == "POST":
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        # The action checks the permission (403 without it) and writes the audit row.
        revealed = do_reveal_person_data(person.pk, acting_user=user, reason=reason)
    memberships = (
        Membership.objects.filter(person=person, household__in=scope_households(user))
        .select_related("household__region")
        .order_by("-valid_from")
    )
    disabilities = Disability.objects.filter(valid_on(timezone.localdate()), person=person)
    return render(
        request,
        "web/person_detail.html",
        {
            "person": person,
            "id_number": mask_id_number(person.id_number),
            "phone": mask_phone(person.phone),
            "revealed": revealed,
            "can_reveal": user.can_reveal_personal_data(),
            "form": form,
            "memberships": memberships,
            "disabilities": [
                {"label": str(d), "certificate": mask_id_number(d.certificate_number), "disability": d}
                for d in disabilities
            ],
        },
    )


# --- the Excel export ----------------------------------------------------------------------------------

EXPORT_HEADERS = (
    "家庭编号",
    "所在村（社区）",
    "区划代码",
    "城乡",
    "家庭住址",
    "姓名",
    "与户主关系",
    "性别",
    "出生日期",
    "公民身份号码",
    "联系电话",
    "共同生活家庭成员",
    "不计入原因",
    "成员起始日期",
)


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    file_name: str
    households: int
    rows: int


def _build_household_workbook(user: User, filters: HouseholdFilters, *, full: bool) -> ExportFile:
    """One row per current member of every filtered household, masked unless ``full``."""
    households = _filter_households(user, filters)
    members = (
        Membership.objects.filter(household__in=households.values("pk"), valid_to__isnull=True)
        .select_related("household__region", "person")
        .order_by("household__household_number", "id")
    )
    urban_rural = dict(UrbanRural.choices)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("家庭成员")
    sheet.append(list(EXPORT_HEADERS))
    rows = 0
    household_ids: set[int] = set()
    for membership in members.iterator(chunk_size=2000):
        household, person = membership.household, membership.person
        household_ids.add(household.pk)
        sheet.append(
            [
                household.household_number,
                household.region.name,
                household.region_id,
                urban_rural.get(household.urban_rural, household.urban_rural),
                household.address,
                person.name,
                membership.relation,
                person.sex,
                person.birth_date.isoformat(),
                person.id_number if full else mask_id_number(person.id_number),
                person.phone if full else mask_phone(person.phone),
                "是" if membership.is_cohabiting else "否",
                membership.exclusion_reason,
                membership.valid_from.isoformat(),
            ]
        )
        rows += 1
    now = timezone.localtime()
    about = workbook.create_sheet("说明")
    about.append(["导出时间", now.strftime("%Y-%m-%d %H:%M:%S")])
    about.append(["导出人", user.username])
    about.append(["区划", filters.region or str(user.jurisdiction_id or "")])
    about.append(["城乡", urban_rural.get(filters.urban_rural, "全部")])
    about.append(["搜索", mask_text(filters.q)])
    about.append(["家庭户数", len(household_ids)])
    about.append(["成员人数", rows])
    about.append(["身份证号和电话", "完整（已记入审计日志）" if full else "已脱敏"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return ExportFile(
        content=buffer.getvalue(),
        file_name=f"家庭户名单_{now:%Y%m%d}.xlsx",
        households=len(household_ids),
        rows=rows,
    )


@transaction.atomic
def _record_export(user: User, filters: HouseholdFilters, export: ExportFile, *, full: bool) -> None:
    record(
        AuditEvent.EXPORT_DOWNLOADED,
        actor=user,
        subject_type="export",
        subject_id="household_members",
        region_code=filters.region or str(user.jurisdiction_id or ""),
        summary=(
            f"导出家庭户名单 {export.households} 户 {export.rows} 人"
            f"（{'含完整身份证号和电话' if full else '已脱敏'}）"
        ),
        data={
            "filters": filters.for_audit(),
            "households": export.households,
            "rows": export.rows,
            "full": full,
            "file_name": export.file_name,
        },
    )


@login_required
@never_cache
@require_GET
def household_export(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    full = request.GET.get("full") == "1"
    if full and not user.can_reveal_personal_data():
        raise PermissionDenied("您没有导出完整身份证号和电话的权限，请导出脱敏名单或联系管理员授权")
    _form, filters = _read_filters(request)
    if filters is None:
        raise ValidationFailed("筛选条件无效，请返回列表页重新选择")
    # Built before the audit transaction, so that the chain head is locked only for the one insert.
    export = _build_household_workbook(user, filters, full=full)
    _record_export(user, filters, export, full=full)
    response = HttpResponse(
        export.content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = content_disposition_header(True, export.file_name) or "attachment"
    return response


# --- the audit log -------------------------------------------------------------------------------------


class AuditFilterForm(forms.Form):
    event_type = forms.ChoiceField(
        label="事件类型", required=False, choices=[("", "全部"), *AuditEvent.choices]
    )


@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not user.can_read_audit_logs:  # the others get a 403 page instead of an empty list
        raise PermissionDenied("审计日志仅对审计监督、系统管理员和县级以上民政部门开放")
    form = AuditFilterForm(request.GET or None)
    logs = scope_audit_logs(user).order_by("-id")
    if form.is_bound and form.is_valid() and form.cleaned_data["event_type"]:
        logs = logs.filter(event_type=form.cleaned_data["event_type"])
    page = Paginator(logs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/audit_log.html", {"form": form, "page": page})
