"""The household import actions: upload (stage, validate, commit) and download of the error workbook."""

from __future__ import annotations

import datetime
import hashlib
from collections import Counter
from typing import IO

from django.db import IntegrityError, transaction
from django.utils import timezone

from minzheng.accounts.access import require_write, user_covers_region
from minzheng.accounts.models import User
from minzheng.audit.chain import record
from minzheng.audit.models import AuditEvent
from minzheng.common.errors import ValidationFailed
from minzheng.common.masking import mask_text
from minzheng.common.models import Region, RegionLevel
from minzheng.registry.models import ImportBatch, ImportMode, ImportRow, ImportStatus

from . import columns as c
from .commit import RowOutcome, write_household_rows
from .errors_workbook import build_error_workbook
from .reader import ProgressCallback, read_household_sheet
from .selectors import access_import_batch_by_id
from .validation import ValidationResult, check_file, check_registry, chunked

BATCH_KIND = "households"
MAX_FILE_BYTES = 50 * 1024 * 1024
PROGRESS_MIN_ROWS = 1000


def _read_bytes(file: bytes | IO[bytes]) -> bytes:
    data = file if isinstance(file, bytes) else file.read(MAX_FILE_BYTES + 1)
    if not data:
        raise ValidationFailed("上传的文件是空的", code="empty_file", field="file")
    if len(data) > MAX_FILE_BYTES:
        raise ValidationFailed("文件超过 50 MB，请拆分后分别导入", code="file_too_large", field="file")
    return data


def _batch_region(result: ValidationResult, user: User) -> Region:
    """The smallest region holding every valid village of the file that the user covers (so that township
    staff see a county user's import of their township), else the user's jurisdiction."""
    assert user.jurisdiction is not None  # require_write refused users without one
    codes = {
        code
        for code, region in result.snapshot.regions.items()
        if region.level == RegionLevel.VILLAGE and user_covers_region(user, code)
    }
    for length in (12, 9, 6):
        prefixes = {code[:length] for code in codes}
        if len(prefixes) == 1:
            (prefix,) = prefixes
            region = result.snapshot.regions.get(prefix) or Region.objects.filter(code=prefix).first()
            if region is not None and user_covers_region(user, region.code):
                return region
    return user.jurisdiction


def _error_counts(result: ValidationResult) -> dict[str, int]:
    counter: Counter[str] = Counter()
    for check in result.checks:
        counter.update(check.errors.keys())
    return {header: counter[header] for header in c.HEADERS if counter[header]}


def _stage(result: ValidationResult, *, file_name: str, sha256: str, mode: str, user: User) -> ImportBatch:
    batch = ImportBatch.objects.create(
        kind=BATCH_KIND,
        file_name=file_name[:255],
        file_sha256=sha256,
        mode=mode,
        status=ImportStatus.STAGED,
        uploaded_by=user,
        region=_batch_region(result, user),
        total_rows=len(result.checks),
        bad_rows=result.bad_rows,
    )
    for chunk in chunked(result.checks):
        ImportRow.objects.bulk_create(
            ImportRow(batch=batch, row_number=check.row_number, data=check.data, errors=check.error_dict())
            for check in chunk
        )
    return batch


def _audit_base(batch: ImportBatch) -> dict[str, object]:
    # A file name may carry a person's name or number ("张三家.xlsx"): mask numbers, keep it short.
    return {
        "batch_id": batch.pk,
        "file_name": mask_text(batch.file_name),
        "file_sha256": batch.file_sha256,
        "mode": batch.mode,
        "rows": {
            "total": batch.total_rows,
            "bad": batch.bad_rows,
            "created": batch.created_rows,
            "updated": batch.updated_rows,
            "unchanged": batch.unchanged_rows,
        },
    }


def _reject(batch: ImportBatch, result: ValidationResult, user: User) -> ImportBatch:
    batch.status = ImportStatus.REJECTED
    batch.save(update_fields=["status"])
    record(
        AuditEvent.IMPORT_REJECTED,
        actor=user,
        subject_type="import_batch",
        subject_id=batch.pk,
        region_code=batch.region_id,
        summary=f"家庭户导入未通过校验：{batch.total_rows} 行中 {batch.bad_rows} 行有错误，未写入任何数据",
        data={**_audit_base(batch), "errors_by_column": _error_counts(result)},
    )
    return batch


def _commit(batch: ImportBatch, result: ValidationResult, user: User, *, today: datetime.date) -> ImportBatch:
    good = result.good_households()
    rows = [check.member_row() for checks in good.values() for check in checks]
    counts = write_household_rows(rows, result.snapshot, today=today)
    batch.created_rows = counts.rows_with(RowOutcome.CREATED)
    batch.updated_rows = counts.rows_with(RowOutcome.UPDATED)
    batch.unchanged_rows = counts.rows_with(RowOutcome.UNCHANGED)
    batch.status = ImportStatus.COMMITTED if counts.changed else ImportStatus.UNCHANGED
    batch.save(update_fields=["status", "created_rows", "updated_rows", "unchanged_rows"])
    if not counts.changed:
        return batch  # nothing written to the registry: no audit row (the batch itself records the upload)
    skipped_households = len(result.households) - len(good)
    record(
        AuditEvent.IMPORT_COMMITTED,
        actor=user,
        subject_type="import_batch",
        subject_id=batch.pk,
        region_code=batch.region_id,
        summary=(
            f"导入家庭户：新增 {batch.created_rows} 行，更新 {batch.updated_rows} 行，"
            f"未变化 {batch.unchanged_rows} 行，"
            f"错误 {batch.bad_rows} 行，跳过 {skipped_households} 户"
        ),
        data={**_audit_base(batch), **counts.as_audit_data(), "skipped_households": skipped_households},
    )
    return batch


def do_stage_household_import(
    file: bytes | IO[bytes],
    *,
    file_name: str,
    mode: str = ImportMode.ALL_OR_NOTHING,
    acting_user: User,
    progress: ProgressCallback | None = None,
) -> ImportBatch:
    """Stage every row of an uploaded workbook, validate it, and commit what the mode allows.

    - A file that cannot be read, or lacks required headers, raises :class:`ValidationFailed` and writes
      nothing at all.
    - Otherwise the batch and its rows (with their errors) are kept, then:
      ``all_or_nothing`` with any bad row → ``rejected``, nothing written to the registry;
      ``good_rows`` → every household whose rows are all good is written, the others are skipped whole;
      nothing to change (e.g. the same file again) → ``unchanged`` and no audit row.
    - Registry writes, the batch and its one audit row commit together in one transaction.
    """
    require_write(acting_user)
    if mode not in ImportMode.values:
        raise ValidationFailed(f"导入方式无效：{mode}", code="invalid_mode", field="mode")
    data = _read_bytes(file)
    sha256 = hashlib.sha256(data).hexdigest()
    # Read and check the file before the transaction: on SQLite the transaction holds the database's write
    # lock, on PostgreSQL it locks the people and households it touches.
    sheet = read_household_sheet(data, progress=progress)
    if len(sheet.rows) < PROGRESS_MIN_ROWS:
        progress = None  # a small file is done before a progress bar could help
    today = timezone.localdate()
    result = check_file(sheet.rows, today=today, progress=progress)
    try:
        with transaction.atomic():
            check_registry(result, user=acting_user)
            batch = _stage(result, file_name=file_name, sha256=sha256, mode=mode, user=acting_user)
            nothing_to_write = not result.good_households()
            if result.bad_rows and (mode == ImportMode.ALL_OR_NOTHING or nothing_to_write):
                return _reject(batch, result, acting_user)
            if progress is not None:
                progress("写入", 0, 1)
            batch = _commit(batch, result, acting_user, today=today)
            if progress is not None:
                progress("写入", 1, 1)
            return batch
    except IntegrityError as error:
        # Someone registered one of these people or households between our checks and our writes.
        raise ValidationFailed(
            "导入时登记数据被其他人同时修改，本次未写入任何数据，请重新导入",
            code="concurrent_change",
            field="file",
        ) from error


def do_download_import_errors(batch_id: int, *, acting_user: User) -> tuple[ImportBatch, bytes]:
    """The error workbook of a batch. The uploader gets their rows as entered; anyone else (a supervisor, an
    auditor) gets ID numbers, phones and card numbers masked. Every download leaves an audit row."""
    batch = access_import_batch_by_id(acting_user, batch_id)
    is_uploader = batch.uploaded_by_id == acting_user.pk
    # Built before the transaction, which only appends the audit row (a large workbook takes seconds).
    content = build_error_workbook(batch, mask_personal_data=not is_uploader)
    with transaction.atomic():
        _record_download(batch, acting_user, is_uploader=is_uploader)
    return batch, content


def _record_download(batch: ImportBatch, user: User, *, is_uploader: bool) -> None:
    record(
        AuditEvent.EXPORT_DOWNLOADED,
        actor=user,
        subject_type="import_batch",
        subject_id=batch.pk,
        region_code=batch.region_id,
        summary=f"下载导入错误报告（批次 {batch.pk}，{'原始' if is_uploader else '脱敏'}）",
        data={"batch_id": batch.pk, "masked": not is_uploader, "bad_rows": batch.bad_rows},
    )
