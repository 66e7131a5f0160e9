"""Revealing unmasked personal data: needs the permission and always leaves an audit row."""

from __future__ import annotations

from django.db import transaction

from minzheng.accounts.access import access_person_by_id
from minzheng.accounts.models import User
from minzheng.audit.chain import record
from minzheng.audit.models import AuditEvent
from minzheng.common.errors import PermissionDenied


@transaction.atomic
def do_reveal_person_data(person_id: int, *, acting_user: User, reason: str = "") -> dict[str, str]:
    """Return the person's full ID number and phone after checking jurisdiction and permission."""
    person = access_person_by_id(acting_user, person_id)
    if not acting_user.can_reveal_personal_data():
        raise PermissionDenied("您没有查看完整个人信息的权限，请联系管理员授权")
    record(
        AuditEvent.PERSONAL_DATA_REVEALED,
        actor=acting_user,
        subject_type="person",
        subject_id=person.pk,
        region_code=person.hukou_region_id,
        summary=f"查看人员 {person.name} 的完整身份证号和电话",
        data={"fields": ["id_number", "phone"], "reason": reason},
    )
    return {"id_number": person.id_number, "phone": person.phone}
