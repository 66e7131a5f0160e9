"""流浪乞讨人员救助 (国务院令第381号, 2003; its implementing rules): who, and for how long.

Help is temporary, voluntary and free (food, lodging, medical care, contact with family, a ticket home). The
eligible group is people who cannot pay for food and lodging, have no relatives or friends to go to, are not
on dibao or 五保 (now 特困), and are living by begging in a city [C2]. The usual 救助期限 is ≤ 10 days [K]:
a longer stay is flagged for an extension approval or a transfer.
"""

from __future__ import annotations

import datetime

from .decision import Decision
from .facts import HouseholdFacts, VagrancyApplication
from .params import PolicyProfile, Standards
from .vocabulary import BenefitKind, Scheme


def assess_vagrancy(
    household: HouseholdFacts,
    application: VagrancyApplication,
    standards: Standards,
    profile: PolicyProfile,
    as_of: datetime.date,
) -> Decision:
    d = Decision(str(Scheme.VAGRANCY), period="in_kind")
    person = household.members[application.member]
    name = person.name
    checks = [
        d.add(
            "vagrancy.no_means",
            not application.has_means,
            f"{name}{'能' if application.has_means else '无力'}自行解决食宿",
        ),
        d.add(
            "vagrancy.no_relatives",
            not application.has_relatives_to_rely_on,
            f"{name}{'有' if application.has_relatives_to_rely_on else '无'}亲友可投靠",
        ),
        d.add(
            "vagrancy.begging_in_city",
            application.is_begging_in_city,
            f"{name}{'正在' if application.is_begging_in_city else '不在'}城市流浪乞讨",
        ),
    ]
    on_dibao = household.currently_receiving_dibao or person.benefit(BenefitKind.DIBAO) is not None
    on_tekun = person.benefit(BenefitKind.TEKUN) is not None
    checks.append(
        d.add(
            "vagrancy.not_on_dibao_or_tekun",
            not (on_dibao or on_tekun),
            f"{name}"
            + (
                "享受" + ("低保" if on_dibao else "特困（五保）")
                if on_dibao or on_tekun
                else "未享受低保或特困（五保）"
            )
            + ("，应由户籍地保障" if on_dibao or on_tekun else ""),
        )
    )
    d.eligible = all(bool(check) for check in checks)
    end = application.end_date or as_of
    days = (end - application.start_date).days + 1
    limit = d.use("vagrancy_max_days", profile.vagrancy_max_days)
    within = days <= limit
    d.add(
        "vagrancy.duration",
        within,
        f"自 {application.start_date} 至 {end} 受助 {days} 天，"
        + (
            f"未超过救助期限 {limit} 天"
            if within
            else f"超过救助期限 {limit} 天（超出 {days - limit} 天）：应办理延期审批或转介、送返 [K]"
        ),
        days=days,
        limit=limit,
    )
    d.details["days"] = str(days)
    d.details["days_over_limit"] = str(max(0, days - limit))
    age = person.age_on(as_of)
    if age < 18 or age >= 60 or person.has_disability:
        d.add(
            "vagrancy.vulnerable",
            None,
            f"{name}为"
            + ("未成年人" if age < 18 else "老年人" if age >= 60 else "残疾人")
            + "：公安等部门应护送至救助站，优先照料（国务院令第381号第五条）",
        )
    d.category = "受助" if d.eligible else "不符合"
    return d
