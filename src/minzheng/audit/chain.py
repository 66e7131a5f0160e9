"""Writing and verifying the hash chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils import timezone

from .models import AuditChainHead, AuditEvent, AuditLog

GENESIS_HASH = "0" * 64


def _canonical(row: AuditLog) -> str:
    payload = [
        row.id,
        row.created_at.isoformat(timespec="microseconds"),
        row.actor_id,
        row.actor_name,
        row.event_type,
        row.subject_type,
        row.subject_id,
        row.region_code,
        row.summary,
        row.data,
    ]
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def compute_hash(prev_hash: str, row: AuditLog) -> str:
    return hashlib.sha256((prev_hash + "|" + _canonical(row)).encode()).hexdigest()


def record(
    event_type: AuditEvent,
    *,
    actor: Any | None,
    subject_type: str = "",
    subject_id: object = "",
    region_code: str = "",
    summary: str = "",
    data: dict[str, Any] | None = None,
) -> AuditLog:
    """Append one audit row. Must run inside the action's transaction, so that the row and the change it
    records commit or roll back together."""
    if not connection.in_atomic_block:
        raise RuntimeError("审计记录必须与业务操作在同一事务中写入")
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    # Round-trip through JSON so that the hash is computed over exactly what the database returns.
    clean_data = json.loads(json.dumps(data or {}, ensure_ascii=False, default=str))
    row = AuditLog(
        id=head.last_id + 1,
        created_at=timezone.now(),
        actor_id=getattr(actor, "pk", None),
        actor_name=getattr(actor, "username", "") or "system",
        event_type=event_type,
        subject_type=subject_type,
        subject_id=str(subject_id),
        region_code=region_code,
        summary=summary[:500],
        data=clean_data,
        prev_hash=head.last_hash,
    )
    row.row_hash = compute_hash(head.last_hash, row)
    row.save(force_insert=True)
    head.last_id, head.last_hash = row.id, row.row_hash
    head.save(update_fields=["last_id", "last_hash"])
    return row


@dataclass(frozen=True)
class ChainBreak:
    row_id: int
    reason: str


@dataclass(frozen=True)
class VerifyResult:
    rows_checked: int
    breaks: list[ChainBreak]

    @property
    def ok(self) -> bool:
        return not self.breaks


def verify_chain(*, progress: Any | None = None, max_breaks: int = 20) -> VerifyResult:
    """Recompute every hash in id order and report where the chain breaks."""
    breaks: list[ChainBreak] = []
    expected_prev = GENESIS_HASH
    expected_id = 1
    checked = 0
    rows: Iterable[AuditLog] = AuditLog.objects.order_by("id").iterator(chunk_size=5000)
    for row in rows:
        checked += 1
        if row.id != expected_id:
            breaks.append(ChainBreak(row.id, f"缺少第 {expected_id}–{row.id - 1} 条记录（被删除）"))
        if row.prev_hash != expected_prev:
            breaks.append(ChainBreak(row.id, "前序哈希不一致：上一条记录被修改或删除"))
        if compute_hash(row.prev_hash, row) != row.row_hash:
            breaks.append(ChainBreak(row.id, "本条记录内容被修改：哈希不一致"))
        expected_prev, expected_id = row.row_hash, row.id + 1
        if progress is not None:
            progress(checked)
        if len(breaks) >= max_breaks:
            break
    head = AuditChainHead.objects.filter(pk=1).first()
    if not breaks and head is not None and (head.last_id, head.last_hash) != (expected_id - 1, expected_prev):
        breaks.append(ChainBreak(head.last_id, "链尾与链头记录不一致：末尾记录被删除"))
    return VerifyResult(rows_checked=checked, breaks=breaks)
