"""Reads of import batches, scoped by jurisdiction: a batch is visible to users whose jurisdiction covers
``batch.region``.

``access_import_batch_by_id`` belongs with the other ``access_*`` doors in ``minzheng.accounts.access``;
it lives here until that module takes it (it uses the same ``region_filter``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from minzheng.accounts.access import region_filter
from minzheng.accounts.models import User
from minzheng.common.errors import NotFoundOrNoAccess
from minzheng.registry.models import ImportBatch, ImportRow, ImportStatus

from . import columns as c


def scope_import_batches(user: User, queryset: QuerySet[ImportBatch] | None = None) -> QuerySet[ImportBatch]:
    queryset = ImportBatch.objects.all() if queryset is None else queryset
    return queryset.filter(region_filter(user, "region_id"), kind="households")


def list_import_batches(user: User, *, limit: int = 50) -> list[ImportBatch]:
    return list(
        scope_import_batches(user).select_related("uploaded_by", "region").order_by("-created_at")[:limit]
    )


def access_import_batch_by_id(user: User, batch_id: int) -> ImportBatch:
    batch = scope_import_batches(user).select_related("uploaded_by", "region").filter(pk=batch_id).first()
    if batch is None:
        raise NotFoundOrNoAccess("未找到该导入批次，或该批次不在您的管辖范围内")
    return batch


def skipped_rows(batch: ImportBatch) -> int:
    """Good rows not imported because another row of their household is bad (只导入正确的行 mode)."""
    written = batch.created_rows + batch.updated_rows + batch.unchanged_rows
    if batch.status not in (ImportStatus.COMMITTED, ImportStatus.UNCHANGED):
        return 0
    return batch.total_rows - batch.bad_rows - written


@dataclass(frozen=True)
class CellError:
    row_number: int
    header: str
    message: str


def ordered_errors(errors: dict[str, str]) -> list[tuple[str, str]]:
    """A row's errors in the template's column order (PostgreSQL's jsonb does not keep key order)."""
    order = {header: index for index, header in enumerate(c.HEADERS)}
    return sorted(errors.items(), key=lambda item: order.get(item[0], len(order)))


def list_batch_errors(batch: ImportBatch, *, limit: int | None = None) -> list[CellError]:
    """Every cell error of the batch, row by row, in column order."""
    found: list[CellError] = []
    rows = ImportRow.objects.filter(batch=batch).exclude(errors={}).order_by("row_number")
    for row_number, errors in rows.values_list("row_number", "errors").iterator(chunk_size=2000):
        for header, message in ordered_errors(errors):
            found.append(CellError(row_number, header, message))
            if limit is not None and len(found) >= limit:
                return found
    return found
