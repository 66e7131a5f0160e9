"""Money is ``Decimal`` yuan with two decimals, rounded half up as the finance bureau does."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


def yuan(value: object) -> Decimal:
    """Convert to yuan with two decimals; raises ValueError (not a silent 0) on garbage."""
    if isinstance(value, float):
        value = repr(value)  # avoid binary-float artefacts such as 0.1 + 0.2
    try:
        amount = Decimal(str(value).replace(",", "").replace("，", "").strip())
    except InvalidOperation:
        raise ValueError(f"金额格式错误：{value!r}") from None
    if not amount.is_finite():
        raise ValueError(f"金额格式错误：{value!r}")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)
