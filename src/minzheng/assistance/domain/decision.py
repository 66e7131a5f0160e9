"""What a rule returns: a decision, the amounts, and the reasons (which rule, which figures)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .params import Param

ZERO = Decimal("0.00")


def figure(value: object) -> str:
    """Figures are strings: Decimals keep their two decimals, booleans read 是/否."""
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


@dataclass(frozen=True)
class Reason:
    """One rule applied: ``passed`` is True/False for a test, None for information."""

    code: str
    passed: bool | None
    message: str
    figures: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "passed": self.passed,
            "message": self.message,
            "figures": dict(self.figures),
        }


@dataclass(frozen=True)
class MemberAmount:
    """The amount for one member (``member`` None: the household as a whole), as named parts that add up
    to ``total`` — e.g. {"低保金": 386.67, "分类施保": 72.00} or {"基本生活": 936.00, "照料护理": 300.00}."""

    member: int | None
    name: str
    parts: dict[str, Decimal]
    note: str = ""

    @property
    def total(self) -> Decimal:
        return sum(self.parts.values(), ZERO)

    def to_dict(self) -> dict[str, Any]:
        return {
            "member": self.member,
            "name": self.name,
            "parts": {label: str(amount) for label, amount in self.parts.items()},
            "total": str(self.total),
            "note": self.note,
        }


@dataclass
class Decision:
    """The result of one scheme's rules for one household (or person).

    ``period`` says what the amounts are: ``month`` (paid every month), ``one_off`` (临时救助) or
    ``in_kind`` (流浪乞讨救助: food, lodging, a ticket home; no cash amount).
    """

    scheme: str
    eligible: bool = False
    category: str | None = None
    tier: str | None = None
    period: str = "month"
    members: list[MemberAmount] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)
    details: dict[str, str] = field(default_factory=dict)
    params_used: dict[str, Param[Any]] = field(default_factory=dict)

    @property
    def household_amount(self) -> Decimal:
        return sum((member.total for member in self.members), ZERO)

    def add(self, code: str, passed: bool | None, message: str, **figures: object) -> bool | None:
        self.reasons.append(Reason(code, passed, message, {k: figure(v) for k, v in figures.items()}))
        return passed

    def use(self, name: str, param: Param[Any]) -> Any:
        """Record that a parameter was used (reported with its source and confidence); return its value."""
        self.params_used[name] = param
        return param.value

    def reason(self, code: str) -> Reason:
        """The last reason with this code (tests and callers look reasons up by code)."""
        for reason in reversed(self.reasons):
            if reason.code == code:
                return reason
        raise KeyError(code)

    def has_reason(self, code: str) -> bool:
        return any(reason.code == code for reason in self.reasons)
