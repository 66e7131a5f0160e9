"""The vocabularies of the case workflow, each value with its one-line meaning.

They live apart from the models so that ``workflow.py`` (the pure state machine) can use them without the
ORM: ``TextChoices`` are plain enums.
"""

from __future__ import annotations

from django.db import models


class Scheme(models.TextChoices):
    DIBAO = "dibao", "最低生活保障"  # 低保: household, monthly; 《最低生活保障审核确认办法》
    TEKUN = "tekun", "特困人员救助供养"  # one person, monthly; 《特困人员认定办法》
    TEMPORARY = "temporary", "临时救助"  # household, one-off; 急难型 or 支出型
    ORPHAN = "orphan", "孤儿基本生活保障"  # one child, monthly
    DE_FACTO_ORPHAN = "de_facto_orphan", "事实无人抚养儿童基本生活保障"  # one child, monthly, no 公示
    DISABILITY_SUBSIDY = "disability_subsidy", "残疾人两项补贴"  # one person, monthly


# Schemes granted to one person of the household (the child, the disabled person, the 特困 person):
# "one open case" is counted per person there, per household for the others.
PERSON_SCHEMES = frozenset({Scheme.TEKUN, Scheme.ORPHAN, Scheme.DE_FACTO_ORPHAN, Scheme.DISABILITY_SUBSIDY})
# Schemes paid once (临时救助): confirmation completes the case; no re-checks, no suspension.
ONE_OFF_SCHEMES = frozenset({Scheme.TEMPORARY})


class TemporarySubtype(models.TextChoices):
    EMERGENCY = "emergency", "急难型"  # 先行救助: pay first, paperwork afterwards
    EXPENDITURE = "expenditure", "支出型"  # the full route: 调查, 初审, 公示, 审核确认


class CaseStatus(models.TextChoices):
    SUBMITTED = "submitted", "待受理"  # a village assistant filed it on the family's behalf (代办)
    IN_PROGRESS = "in_progress", "办理中"  # 受理 done, not yet decided
    PAID_IN_ADVANCE = "paid_in_advance", "已先行救助（补办手续中）"  # 急难型: paid, paperwork still running
    ACTIVE = "active", "在保"  # confirmed; paid every month from payment_start_month
    COMPLETED = "completed", "已办结"  # a one-off grant (临时救助) confirmed and paid
    REJECTED = "rejected", "不予确认"  # the county said no; the written notice goes out within 3 wd
    SUSPENDED = "suspended", "暂停发放"  # still a recipient, payment on hold
    TERMINATED = "terminated", "已终止"  # no longer a recipient from terminated_from


# A household (or person) has at most one case of a scheme in these statuses.
OPEN_STATUSES = (
    CaseStatus.SUBMITTED,
    CaseStatus.IN_PROGRESS,
    CaseStatus.PAID_IN_ADVANCE,
    CaseStatus.ACTIVE,
    CaseStatus.SUSPENDED,
)


class Step(models.TextChoices):
    INTAKE = "intake", "受理"  # the township checks the application filed by the village and accepts it
    INVESTIGATION = (
        "investigation",
        "家庭经济状况调查",
    )  # 入户调查 (≥2 staff), 信息核对; 事实无人抚养: 乡镇查验
    PRELIMINARY_REVIEW = "preliminary_review", "初审"  # the township's 初审意见 (符合/不符合)
    PUBLICITY = "publicity", "公示"  # 7 calendar days in the village; objections lead back
    DEMOCRATIC_REVIEW = (
        "democratic_review",
        "民主评议",
    )  # village deliberation (Zhaotong: always; S1: on objection)
    COUNTY_HOME_VISIT = (
        "county_home_visit",
        "县级入户核查",
    )  # mandatory for 单独登记备案 (related-party) cases
    COUNTY_REVIEW = "county_review", "区县审查意见"  # the county's review, with the 特困 spot check
    CONFIRMATION = "confirmation", "审核确认"  # approve (amount, pay from next month) or reject
    REJECTION_NOTICE = "rejection_notice", "送达不予确认通知"  # written reasons to the family within 3 wd
    TERMINATION_PUBLICITY = "termination_publicity", "终止前公示"  # 特困: 7 days before termination
    TERMINATION_DECISION = (
        "termination_decision",
        "终止确认",
    )  # 特困: the county terminates after a clean 公示
    DONE = "done", "办结"  # nothing pending: decided, or a recipient under periodic management


class Recommendation(models.TextChoices):
    ELIGIBLE = "eligible", "符合"  # the township proposes approval
    INELIGIBLE = "ineligible", "不符合"  # the township proposes rejection (no 公示; the county decides)


class CountyOpinion(models.TextChoices):
    AGREE = "agree", "同意"  # the county reviewer agrees with the township's 初审
    DISAGREE = "disagree", "不同意"  # the reviewer disagrees; the confirmer decides, or sends the case back


class ObjectionResolution(models.TextChoices):
    REINVESTIGATE = "reinvestigate", "重新调查"  # back to 家庭经济状况调查, then a new 初审 and a new 公示
    DEMOCRATIC_REVIEW = "democratic_review", "民主评议"  # to 民主评议, then a new 初审 and a new 公示


class ObjectionStatus(models.TextChoices):
    PENDING = "pending", "待处理"  # received during the 公示
    ROUTED = "routed", "已转重新调查或民主评议"  # the 公示 was closed and the case sent back for it
    HANDLED = "handled", "已重新初审"  # a new 初审 has taken it into account
    INVESTIGATING = "investigating", "终止前公示异议，转调查核实"  # decide within 15 wd, then 公示 again


class PublicityKind(models.TextChoices):
    APPLICATION = "application", "审核确认前公示"  # the 初审 result, 7 days
    TERMINATION = "termination", "终止前公示"  # 特困 termination, 7 days


class PublicityOutcome(models.TextChoices):
    NO_OBJECTION = "no_objection", "无异议"  # ran its 7 days without objection
    OBJECTION = "objection", "有异议"  # closed with objections to resolve
    CANCELLED = "cancelled", "已撤回"  # withdrawn when the case was sent back


class InvestigationKind(models.TextChoices):
    TOWNSHIP = "township", "入户调查"  # the township's (or village's) household survey, ≥2 staff
    COUNTY_HOME_VISIT = (
        "county_home_visit",
        "县级入户核查",
    )  # the county's own visit (related party, complaint)


class VerificationStatus(models.TextChoices):
    PENDING = "pending", "核对中"  # requested from the county's 核对 centre; it starts within 3 wd
    ANSWERED = "answered", "已反馈"  # the 核对报告 came back


class DemocraticReviewOutcome(models.TextChoices):
    AGREE = "agree", "评议通过"  # the majority of the village representatives agree
    DISAGREE = "disagree", "评议未通过"  # the majority disagree


class CaseEventType(models.TextChoices):
    SUBMITTED = "submitted", "代办申请"  # a village assistant filed the application for the family
    ACCEPTED = "accepted", "受理"  # the township accepted the application
    INVESTIGATION_RECORDED = "investigation_recorded", "入户调查"  # a home visit with ≥2 staff
    VERIFICATION_REQUESTED = "verification_requested", "申请信息核对"  # request to the county 核对 centre
    VERIFICATION_ANSWERED = "verification_answered", "信息核对结果"  # the 核对报告 was recorded
    PRELIMINARY_REVIEWED = "preliminary_reviewed", "初审"  # 初审意见 with its recommendation
    PUBLICITY_STARTED = "publicity_started", "开始公示"  # the notice was posted
    OBJECTION_RECORDED = "objection_recorded", "公示异议"  # someone objected during the 公示
    PUBLICITY_CLOSED = "publicity_closed", "公示结束"  # the notice came down (with or without objections)
    DEMOCRATIC_REVIEWED = "democratic_reviewed", "民主评议"  # the village deliberation and its result
    COUNTY_HOME_VISITED = "county_home_visited", "县级入户核查"  # the county's own home visit
    SPOT_CHECK_DRAWN = "spot_check_drawn", "抽查抽取"  # the case was in a random draw of county spot checks
    COUNTY_REVIEWED = "county_reviewed", "区县审查意见"  # the county reviewer's opinion
    ADVANCE_GRANTED = "advance_granted", "先行救助"  # 急难型: paid before the paperwork
    CONFIRMED = "confirmed", "审核确认（批准）"  # approved with its amount
    REJECTED = "rejected", "审核确认（不予确认）"  # refused with its reasons
    REJECTION_NOTICE_SENT = "rejection_notice_sent", "送达不予确认通知书"  # the notice reached the family
    SENT_BACK = "sent_back", "任务回退"  # returned to the previous step with a reason
    RECHECK_SCHEDULED = "recheck_scheduled", "安排复核"  # the next periodic re-check was set
    RECHECK_RECORDED = "recheck_recorded", "复核"  # a re-check: unchanged, or a new amount from a month
    MEMBER_DEATH_REPORTED = "member_death_reported", "家庭成员死亡"  # a re-check is due within 3 months
    SUSPENDED = "suspended", "暂停发放"  # payment put on hold
    RESUMED = "resumed", "恢复发放"  # payment resumed
    TERMINATED = "terminated", "终止救助"  # no longer a recipient from the next month


class TerminationReason(models.TextChoices):
    DEATH = "death", "死亡、宣告死亡或宣告失踪"  # of the recipient (or of the last member)
    INCOME_ABOVE_STANDARD = "income_above_standard", "收入或财产超过规定"  # no longer meets the means test
    LABOUR_CAPACITY_REGAINED = "labour_capacity_regained", "具备或恢复劳动能力"  # 特困 art. 24
    IMPRISONMENT = "imprisonment", "依法被判处刑罚且在监狱服刑"  # 特困 art. 24
    SUPPORTER_ABLE = "supporter_able", "赡养、抚养、扶养义务人有了履行能力"  # 特困 art. 24
    CHILD_AGED_OUT = "child_aged_out", "年满18周岁（在校的除外）或情形消失"  # orphans, 事实无人抚养
    MOVED_AWAY = "moved_away", "户籍迁出本县"  # the case moves to the new county
    VOLUNTARY_EXIT = "voluntary_exit", "本人自愿申请退出"  # the family asked to leave
    REFUSED_COOPERATION = "refused_cooperation", "无正当理由拒不配合复核"  # S1 art. 29
    FRAUD = "fraud", "以虚报、隐瞒、伪造等手段骗取"  # stop, recover, legal liability
    OTHER = "other", "其他"


class RecheckBasis(models.TextChoices):
    ANNUAL = "annual", "每年复核"  # the household's situation changes little
    HALF_YEARLY = "half_yearly", "每半年复核"  # income unstable and members able to work (S1 art. 31)
    MEMBER_DEATH = "member_death", "成员死亡后三个月内复核"  # S4 (2022)


class RecheckStatus(models.TextChoices):
    SCHEDULED = "scheduled", "待复核"  # due on due_on
    DONE = "done", "已复核"  # recorded, with or without a change
    CANCELLED = "cancelled", "已取消"  # the case ended first, or an earlier re-check replaced it


class Relative(models.TextChoices):
    """近亲属 as 《最低生活保障审核审批办法（试行）》 defines them."""

    SPOUSE = "spouse", "配偶"
    PARENT = "parent", "父母"
    CHILD = "child", "子女"
    SIBLING = "sibling", "兄弟姐妹"
    PATERNAL_GRANDPARENT = "paternal_grandparent", "祖父母"
    MATERNAL_GRANDPARENT = "maternal_grandparent", "外祖父母"
    GRANDCHILD = "grandchild", "孙子女"
    DAUGHTERS_CHILD = "daughters_child", "外孙子女"


class StaffPosition(models.TextChoices):
    CASE_WORKER = "case_worker", "救助经办人员"  # staff of the township, county or city civil affairs
    VILLAGE_COMMITTEE = "village_committee", "村（居）委会成员"  # members of the village committee
