from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from minzheng.audit.chain import GENESIS_HASH, record, verify_chain
from minzheng.audit.models import AuditEvent, AuditLog


def _write(n: int) -> list[AuditLog]:
    rows = []
    for i in range(n):
        with transaction.atomic():
            rows.append(
                record(
                    AuditEvent.HOUSEHOLD_UPDATED,
                    actor=None,
                    subject_type="household",
                    subject_id=i,
                    summary=f"第{i}次",
                )
            )
    return rows


def _tamper(sql: str, params: list) -> None:
    """Simulate a DBA editing the table directly, past the model and the PostgreSQL trigger."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditlog DISABLE TRIGGER audit_auditlog_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditlog ENABLE TRIGGER audit_auditlog_append_only")


@pytest.mark.django_db(transaction=True)
def test_rows_are_chained_from_the_genesis_hash():
    # given / when
    first, second, third = _write(3)
    # then
    assert (first.id, second.id, third.id) == (1, 2, 3)
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.row_hash and third.prev_hash == second.row_hash
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="同一事务"):
        record(AuditEvent.HOUSEHOLD_UPDATED, actor=None)
    assert AuditLog.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_an_audit_row_rolls_back_with_its_action():
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        record(AuditEvent.HOUSEHOLD_UPDATED, actor=None)
        1 / 0  # noqa: B018  (the action fails after writing its audit row)
    assert AuditLog.objects.count() == 0
    _write(1)
    assert AuditLog.objects.get().id == 1 and verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_the_model_refuses_updates_and_deletes():
    (row,) = _write(1)
    row.summary = "改过"
    with pytest.raises(RuntimeError, match="只能追加"):
        row.save()
    with pytest.raises(RuntimeError, match="只能追加"):
        row.delete()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("column", ["summary", "subject_id", "event_type", "actor_name"])
def test_altering_any_field_of_any_row_breaks_the_chain_at_that_row(column):
    _write(5)
    _tamper(f"UPDATE audit_auditlog SET {column} = %s WHERE id = 3", ["x"])
    result = verify_chain()
    assert not result.ok
    assert result.breaks[0].row_id == 3
    assert "被修改" in result.breaks[0].reason


@pytest.mark.django_db(transaction=True)
def test_deleting_a_row_in_the_middle_is_found():
    _write(5)
    _tamper("DELETE FROM audit_auditlog WHERE id = %s", [2])
    result = verify_chain()
    assert [b.row_id for b in result.breaks][:1] == [3]
    assert "删除" in result.breaks[0].reason


@pytest.mark.django_db(transaction=True)
def test_deleting_the_last_row_is_found_through_the_chain_head():
    _write(4)
    _tamper("DELETE FROM audit_auditlog WHERE id = %s", [4])
    result = verify_chain()
    assert not result.ok and "末尾" in result.breaks[0].reason


@pytest.mark.django_db(transaction=True)
def test_the_database_itself_refuses_updates_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("触发器只在 PostgreSQL 上安装")
    _write(1)
    with pytest.raises(Exception, match="只能追加"), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditlog SET summary = 'x' WHERE id = 1")


@pytest.mark.django_db(transaction=True)
def test_the_verify_command_says_where_the_chain_breaks(capsys):
    _write(3)
    call_command("audit", "verify")
    assert "审计日志完整" in capsys.readouterr().out
    _tamper("UPDATE audit_auditlog SET summary = %s WHERE id = 2", ["改过"])
    with pytest.raises(CommandError, match="第 2 条"):
        call_command("audit", "verify")
