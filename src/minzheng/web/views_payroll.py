"""Payroll and standards pages: 月度发放 (list, run a month, a run's totals and chart, payment file
downloads, the bank return upload), 救助标准 (the standards in force) and 提标 (form → preview → confirm).

Thin views: a form validates the input, the payroll access functions decide who sees what (county users
only their county's lines; township and village staff no payroll at all), one action does the work. Typed
errors (403, 404) become Chinese pages in ``ChineseErrorMiddleware``.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from minzheng.accounts.access import require_write
from minzheng.accounts.models import Role, User
from minzheng.assistance.models import Confidence, PayrollRun, Scheme, StandardItem, StandardUnit
from minzheng.assistance.payroll.actions import do_run_payroll, parse_month
from minzheng.assistance.payroll.files import (
    PAYROLL_READER_ROLES,
    PAYROLL_WRITER_ROLES,
    FileFormat,
    access_payroll_run,
    county_names,
    do_export_payment_files,
    get_payroll_totals,
    list_payment_files,
    list_payroll_runs,
    list_standards_in_force,
    require_payroll_reader,
    require_payroll_writer,
)
from minzheng.assistance.payroll.reconcile import do_reconcile_payroll
from minzheng.assistance.raise_standards import (
    StandardChangeDiff,
    do_confirm_standard_change,
    preview_standard_change,
)
from minzheng.assistance.standards import StandardRow
from minzheng.common.errors import NotFoundOrNoAccess, PermissionDenied, ValidationFailed
from minzheng.common.models import Region, RegionLevel, UrbanRural

ERRORS_SHOWN = 200
STANDARD_SETTERS = frozenset({Role.CITY, Role.ADMIN})

_LEVEL_DEPTH: dict[str, int] = {
    RegionLevel.CITY: 0,
    RegionLevel.COUNTY: 1,
    RegionLevel.TOWNSHIP: 2,
    RegionLevel.VILLAGE: 3,
}


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # every view here is behind login_required


def _month(text: str) -> datetime.date:
    try:
        return parse_month(text)
    except ValidationFailed:
        raise NotFoundOrNoAccess("月份格式错误") from None


# --- forms ----------------------------------------------------------------------------------------------


class RunMonthForm(forms.Form):
    month = forms.CharField(label="发放月份", widget=forms.DateInput(attrs={"type": "month"}), max_length=7)

    def clean_month(self) -> datetime.date:
        try:
            return parse_month(self.cleaned_data["month"])
        except ValidationFailed as error:
            raise forms.ValidationError(error.message) from None


class ReturnFileForm(forms.Form):
    file = forms.FileField(
        label="银行回盘文件（.xlsx 或 .csv）", widget=forms.FileInput(attrs={"accept": ".xlsx,.csv"})
    )


def _region_choices(levels: tuple[str, ...]) -> list[tuple[str, str]]:
    city = settings.MINZHENG["CITY_CODE"]
    regions = (
        Region.objects.filter(code__startswith=city[:4], level__in=levels)
        .order_by("code")
        .values_list("code", "name", "level")
    )
    return [
        (code, "\u3000" * _LEVEL_DEPTH.get(level, 0) + f"{name}（{code}）") for code, name, level in regions
    ]


class StandardsQueryForm(forms.Form):
    region = forms.ChoiceField(label="区划")
    as_of = forms.DateField(
        label="日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["region"])
        field.choices = _region_choices(tuple(_LEVEL_DEPTH))


class StandardRaiseForm(forms.Form):
    region = forms.ChoiceField(label="适用区划")
    item = forms.ChoiceField(label="标准项目", choices=StandardItem.choices)
    urban_rural = forms.ChoiceField(
        label="城乡", choices=[("", "城乡通用"), *UrbanRural.choices], required=False
    )
    tier = forms.CharField(label="档次", required=False, max_length=16, help_text="如 A、B、C；不分档留空")
    amount = forms.DecimalField(
        label="新标准金额（元）", min_value=Decimal("0"), max_digits=12, decimal_places=2
    )
    unit = forms.ChoiceField(label="单位", choices=StandardUnit.choices, initial=StandardUnit.MONTH)
    effective_from = forms.DateField(
        label="执行日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    # Not stripped by the field, so that a blank one gets the message below instead of "required".
    source = forms.CharField(label="依据（文件名称、文号）", max_length=300, strip=False)
    confidence = forms.ChoiceField(label="可信度", choices=Confidence.choices, initial=Confidence.CONFIRMED)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["region"])
        field.choices = _region_choices((RegionLevel.CITY, RegionLevel.COUNTY))
        field.initial = settings.MINZHENG["CITY_CODE"]

    def clean_source(self) -> str:
        source = cast(str, self.cleaned_data["source"]).strip()
        if not source:
            raise forms.ValidationError("必须填写依据（文件名称、文号）")
        return source

    def standard_row(self) -> StandardRow:
        data = self.cleaned_data
        return StandardRow(
            region_code=data["region"],
            item=data["item"],
            urban_rural=data["urban_rural"],
            tier=data["tier"].strip(),
            effective_from=data["effective_from"],
            amount=data["amount"],
            unit=data["unit"],
            source=data["source"],
            confidence=data["confidence"],
        )


# --- 月度发放 ----------------------------------------------------------------------------------------------


@login_required
@require_GET
def payroll_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require_payroll_reader(user)
    today = timezone.localdate()
    context = {
        "runs": list_payroll_runs(user),
        "form": RunMonthForm(initial={"month": f"{today:%Y-%m}"}),
        "can_run": _can_write_payroll(user),
    }
    return render(request, "web/payroll/list.html", context)


def _can_write_payroll(user: User) -> bool:
    return user.role in PAYROLL_WRITER_ROLES and not user.is_read_only


@login_required
@require_POST
def payroll_run(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require_payroll_writer(user)
    form = RunMonthForm(request.POST)
    if not form.is_valid():
        context = {"runs": list_payroll_runs(user), "form": form, "can_run": True}
        return render(request, "web/payroll/list.html", context, status=400)
    month = form.cleaned_data["month"]
    existed = _run_exists(month)
    run = do_run_payroll(month, acting_user=user)
    if existed:
        messages.info(request, f"{month:%Y年%m月}发放此前已冻结，已为您打开（不会重复发放）。")
    else:
        messages.success(
            request, f"{month:%Y年%m月}发放已冻结：{run.line_count} 条，合计 {run.total_amount} 元。"
        )
    return redirect("web:payroll_detail", month=f"{month:%Y-%m}")


def _run_exists(month: datetime.date) -> bool:
    return PayrollRun.objects.filter(month=month).exists()


@login_required
@require_GET
def payroll_detail(request: HttpRequest, month: str) -> HttpResponse:
    user = _user(request)
    run = access_payroll_run(user, _month(month))
    totals = get_payroll_totals(run, user)
    context = {
        "run": run,
        "month": f"{run.month:%Y-%m}",
        "totals": totals,
        "chart": totals.chart(),
        "files": list_payment_files(run, user),
        "can_reveal": user.can_reveal_personal_data(),
        "can_reconcile": _can_write_payroll(user),
        "form": ReturnFileForm(),
    }
    return render(request, "web/payroll/detail.html", context)


ALL_FILES = "all"


@login_required
@never_cache
@require_GET
def payroll_download(request: HttpRequest, month: str) -> FileResponse:
    """One payment file (``?file=bank:…|no_account|deductions``) or all of them in a zip (``?file=all``),
    as .xlsx or .csv, masked unless ``full=1`` (which needs the reveal permission). Audited per file."""
    user = _user(request)
    run = access_payroll_run(user, _month(month))
    full = request.GET.get("full") == "1"
    try:
        file_format = FileFormat(request.GET.get("format", FileFormat.XLSX))
    except ValueError:
        raise NotFoundOrNoAccess("没有该格式的发放文件") from None
    key = request.GET.get("file", "")
    keys = None if key == ALL_FILES else [key]
    files = do_export_payment_files(run, acting_user=user, full=full, formats=[file_format], keys=keys)
    if not files:
        raise NotFoundOrNoAccess("没有该发放文件，或其中没有您管辖范围内的明细")
    if keys is not None:
        only = files[0]
        return FileResponse(
            io.BytesIO(only.content),
            as_attachment=True,
            filename=only.file_name,
            content_type=only.content_type,
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for payment_file in files:
            archive.writestr(payment_file.file_name, payment_file.content)
    name = f"发放文件_{run.month:%Y-%m}{'_完整' if full else ''}_{file_format}.zip"
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=name, content_type="application/zip")


@login_required
@require_POST
def payroll_reconcile(request: HttpRequest, month: str) -> HttpResponse:
    user = _user(request)
    run = access_payroll_run(user, _month(month))
    require_payroll_writer(user)
    form = ReturnFileForm(request.POST, request.FILES)
    errors: list[str] = []
    total_errors = 0
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = do_reconcile_payroll(run, upload.read(), file_name=upload.name, acting_user=user)
        except ValidationFailed as error:  # unreadable file, missing columns: nothing was written
            form.add_error("file", error.message)
        else:
            if result.ok:
                messages.success(
                    request,
                    f"银行回盘已导入：更新 {result.changed} 笔，未变化 {result.unchanged} 笔"
                    + ("；本月发放已全部对账。" if result.run_reconciled else "。"),
                )
                return redirect("web:payroll_detail", month=f"{run.month:%Y-%m}")
            total_errors = len(result.errors)
            errors = [str(e) for e in result.errors[:ERRORS_SHOWN]]
    context = {
        "run": run,
        "month": f"{run.month:%Y-%m}",
        "form": form,
        "errors": errors,
        "total_errors": total_errors,
        "errors_shown": ERRORS_SHOWN,
    }
    return render(request, "web/payroll/reconcile.html", context, status=400)


# --- 救助标准 and 提标 ------------------------------------------------------------------------------------


@login_required
@require_GET
def standards_list(request: HttpRequest) -> HttpResponse:
    """Standards are public policy: every signed-in user may read them."""
    user = _user(request)
    today = timezone.localdate()
    form = StandardsQueryForm(
        request.GET or None, initial={"region": settings.MINZHENG["CITY_CODE"], "as_of": today}
    )
    region, as_of = settings.MINZHENG["CITY_CODE"], today
    if form.is_bound and form.is_valid():
        region, as_of = form.cleaned_data["region"], form.cleaned_data["as_of"] or today
    rows = list_standards_in_force(region, as_of)
    context = {
        "form": form,
        "rows": rows,
        "region": region,
        "as_of": as_of,
        "placeholders": sum(1 for r in rows if r.is_placeholder),
        "can_raise": _can_set_standards(user),
        "hide_payroll_link": user.role not in PAYROLL_READER_ROLES,
    }
    return render(request, "web/payroll/standards.html", context, status=400 if form.errors else 200)


def _can_set_standards(user: User) -> bool:
    return user.role in STANDARD_SETTERS and not user.is_read_only


@dataclass(frozen=True)
class DiffRow:
    county_name: str
    scheme_label: str
    persons_changed: int
    monthly_before: Decimal
    monthly_after: Decimal
    monthly_change: Decimal
    annual_change: Decimal


def _diff_rows(diff: StandardChangeDiff) -> list[DiffRow]:
    names = county_names()
    return [
        DiffRow(
            names.get(c.county_code, c.county_code),
            Scheme(c.scheme).label if c.scheme in Scheme.values else c.scheme,
            c.persons_changed,
            c.monthly_before,
            c.monthly_after,
            c.monthly_change,
            c.annual_change,
        )
        for c in diff.by_county
    ]


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def standards_raise(request: HttpRequest) -> HttpResponse:
    """提标: the form; ``step=preview`` prices the month with and without the row; ``step=confirm`` saves it
    (re-checked and re-priced, so that what is recorded is the cost at the moment of confirming)."""
    user = _user(request)
    require_write(user)
    if not _can_set_standards(user):
        raise PermissionDenied("救助标准由市民政局录入和确认")
    form = StandardRaiseForm(request.POST or None)
    diff = None
    if request.method == "POST" and form.is_valid():
        row = form.standard_row()
        try:
            diff = preview_standard_change([row], row.effective_from)
            if request.POST.get("step") == "confirm":
                do_confirm_standard_change([row], diff=diff, acting_user=user)
                messages.success(
                    request,
                    f"已确认提标：{StandardItem(row.item).label}{row.tier} {row.amount} 元"
                    f"（{row.effective_from} 起）。待遇变化 {diff.persons_changed} 人，"
                    f"每月增加 {diff.monthly_change} 元，全年增加 {diff.annual_change} 元。",
                )
                query = f"?region={row.region_code}&as_of={row.effective_from.isoformat()}"
                return redirect(f"{reverse('web:standards_list')}{query}")
        except ValidationFailed as error:
            form.add_error(None, error.message)
            diff = None
    context = {
        "form": form,
        "diff": diff,
        "diff_rows": [] if diff is None else _diff_rows(diff),
        # A date inside a month already frozen: the difference is paid later as 补发 (see payroll/actions.py).
        "retroactive": diff is not None and PayrollRun.objects.filter(month__gte=diff.month).exists(),
    }
    return render(request, "web/payroll/raise.html", context, status=400 if form.errors else 200)
