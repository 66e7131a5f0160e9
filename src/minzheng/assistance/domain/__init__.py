"""The assistance rules as pure Python over frozen dataclasses (no Django, no database).

One module per scheme (``dibao``, ``tekun``, ``children``, ``disability``, ``temporary``, ``elderly``,
``vagrancy``); the input facts live in ``facts``, every local value in ``params`` (with its source and
confidence) and its Zhaotong placeholder in ``defaults``. Each rule returns a :class:`Decision` whose
``reasons`` say which rule passed or failed, with the figures, so that staff can explain it.

The policy text these rules code is docs/policy-rules.md (§1–§6, §10); the tags there ([C], [C2], [K], [L])
are carried by every parameter as its confidence.
"""

from __future__ import annotations

from .children import assess_child
from .decision import Decision, MemberAmount, Reason
from .defaults import default_profile, default_standards
from .dibao import assess_dibao
from .disability import assess_disability_subsidies
from .elderly import assess_elderly_allowance
from .facts import (
    AssetItem,
    HouseholdFacts,
    IncomeItem,
    MemberFacts,
    ParentSituation,
    ReceivedBenefit,
    RigidExpenditure,
    SelfCare,
    Supporter,
)
from .params import Confidence, Param, PolicyProfile, Standards
from .tekun import assess_tekun
from .temporary import assess_temporary
from .vagrancy import assess_vagrancy

__all__ = [
    "AssetItem",
    "Confidence",
    "Decision",
    "HouseholdFacts",
    "IncomeItem",
    "MemberAmount",
    "MemberFacts",
    "Param",
    "ParentSituation",
    "PolicyProfile",
    "Reason",
    "ReceivedBenefit",
    "RigidExpenditure",
    "SelfCare",
    "Standards",
    "Supporter",
    "assess_child",
    "assess_dibao",
    "assess_disability_subsidies",
    "assess_elderly_allowance",
    "assess_tekun",
    "assess_temporary",
    "assess_vagrancy",
    "default_profile",
    "default_standards",
]
