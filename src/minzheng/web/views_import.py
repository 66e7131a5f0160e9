"""Pages of the household Excel import: upload, batch detail, error workbook and template downloads.

Thin views: validate the form, go through the access layer, call one action, render. Typed errors not
handled here (403 for read-only accounts, 404 for batches outside the jurisdiction) become Chinese pages
in ``ChineseErrorMiddleware``.
"""

from __future__ import annotations

import io

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from minzheng.accounts.access import require_write
from minzheng.accounts.models import User
from minzheng.common.errors import ValidationFailed
from minzheng.common.masking import mask_text
from minzheng.registry.imports import (
    TEMPLATE_FILE_NAME,
    access_import_batch_by_id,
    build_template,
    do_download_import_errors,
    do_stage_household_import,
    list_batch_errors,
    list_import_batches,
    skipped_rows,
)
from minzheng.registry.models import ImportMode

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERRORS_SHOWN = 500


class HouseholdImportForm(forms.Form):
    file = forms.FileField(label="Excel 文件（.xlsx）", widget=forms.FileInput(attrs={"accept": ".xlsx"}))
    mode = forms.ChoiceField(
        label="导入方式",
        choices=ImportMode.choices,
        initial=ImportMode.ALL_OR_NOTHING,
        widget=forms.RadioSelect,
    )


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # login_required let only signed-in users through
    return request.user


def _xlsx_response(content: bytes, file_name: str) -> FileResponse:
    # FileResponse writes the RFC 6266 filename* form, which browsers need for a Chinese file name.
    return FileResponse(
        io.BytesIO(content), as_attachment=True, filename=file_name, content_type=XLSX_CONTENT_TYPE
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = HouseholdImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        require_write(user)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch = do_stage_household_import(
                    upload, file_name=upload.name, mode=form.cleaned_data["mode"], acting_user=user
                )
            except ValidationFailed as error:
                # A file-level problem (unreadable, missing headers): nothing was written; say so on the form.
                form.add_error("file", error.message)
            else:
                return redirect("web:import_detail", batch_id=batch.pk)
    context = {"form": form, "can_upload": not user.is_read_only, "batches": list_import_batches(user)}
    return render(request, "web/import/upload.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def import_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    user = _user(request)
    batch = access_import_batch_by_id(user, batch_id)
    is_uploader = batch.uploaded_by_id == user.pk
    errors = [
        (error.row_number, error.header, error.message if is_uploader else mask_text(error.message))
        for error in list_batch_errors(batch, limit=ERRORS_SHOWN)
    ]
    context = {
        "batch": batch,
        "errors": errors,
        "errors_shown": ERRORS_SHOWN,
        "skipped_rows": skipped_rows(batch),
    }
    return render(request, "web/import/detail.html", context)


@login_required
@require_GET
def import_errors(request: HttpRequest, batch_id: int) -> FileResponse:
    batch, content = do_download_import_errors(batch_id, acting_user=_user(request))
    stem = batch.file_name.rsplit(".", 1)[0] or "导入"
    return _xlsx_response(content, f"{stem}.错误.xlsx")


@login_required
@require_GET
def import_template(request: HttpRequest) -> FileResponse:
    return _xlsx_response(build_template(), TEMPLATE_FILE_NAME)
