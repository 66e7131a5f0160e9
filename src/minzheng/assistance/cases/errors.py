"""Typed errors of the case workflow; the web middleware shows their Chinese message."""

from __future__ import annotations

from minzheng.common.errors import MinzhengError, PermissionDenied, ValidationFailed


class WrongStep(MinzhengError):
    """The action does not apply at the case's current step or status (someone else moved it on, or the
    page was stale)."""

    code = "wrong_step"
    http_status = 409


class MakerCheckerViolation(PermissionDenied):
    """The same person may not both 受理 or 初审 a case and confirm it (审核确认)."""

    code = "maker_checker"


class RoleNotAllowed(PermissionDenied):
    """The user's role does not do this action (e.g. a township clerk confirming a case)."""

    code = "role_not_allowed"


class DuplicateOpenCase(ValidationFailed):
    """The household (or person) already has an open case of this scheme."""

    code = "duplicate_open_case"


class StepIncomplete(ValidationFailed):
    """A prerequisite of the step is missing (no home visit yet, 公示 not over, spot check not drawn…)."""

    code = "step_incomplete"
