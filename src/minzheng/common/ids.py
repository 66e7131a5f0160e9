"""Resident identity card numbers (居民身份证号码, GB 11643-1999), through python-stdnum.

``normalize_id_number`` is the single door for every ID that enters the platform (forms, imports, the
lake): it accepts full-width digits, spaces, a lower-case x and 15-digit numbers, and either returns the
canonical 18-character number or raises :class:`InvalidIdNumber` with a Chinese message saying what is
wrong (长度 / 格式 / 校验位 / 出生日期 / 行政区划代码).
"""

from __future__ import annotations

import datetime
import functools
import unicodedata
from dataclasses import dataclass

from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumValidationError

from .errors import ValidationFailed

# GB 11643: sequence codes 996–999 of 15-digit numbers were reserved for centenarians (born 18xx).
_CENTENARIAN_SEQUENCES = frozenset({"996", "997", "998", "999"})


class InvalidIdNumber(ValidationFailed):
    code = "invalid_id_number"


@dataclass(frozen=True)
class IdNumberInfo:
    number: str
    birth_date: datetime.date
    sex: str  # "男" | "女"
    address_code: str

    def age_on(self, reference_date: datetime.date) -> int:
        return age_in_full_years(self.birth_date, reference_date)


def age_in_full_years(birth_date: datetime.date, reference_date: datetime.date) -> int:
    """周岁: whole years completed on ``reference_date`` (a person born on 29 Feb turns a year older on 1 Mar
    in common years)."""
    years = reference_date.year - birth_date.year
    if (reference_date.month, reference_date.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def _clean(raw: str) -> str:
    # NFKC folds full-width digits (０１２) and letters (ｘ) to ASCII.
    text = unicodedata.normalize("NFKC", str(raw))
    return "".join(text.split()).replace("-", "").upper()


def convert_15_to_18(number15: str) -> str:
    """Insert the century and append the check character. Sequences 996–999 were for centenarians (18xx)."""
    if len(number15) != 15 or not number15.isdigit():
        raise InvalidIdNumber("15位身份证号码格式错误：应为15位数字", field="id_number")
    century = "18" if number15[12:15] in _CENTENARIAN_SEQUENCES else "19"
    body = number15[:6] + century + number15[6:]
    return body + ric.calc_check_digit(body + "0")


@functools.lru_cache(maxsize=8192)
def _address_code_known(address_code: str) -> bool:
    """True when GB/T 2260 knows the code at any time: abolished codes stay valid in IDs issued before."""
    results = numdb.get("cn/loc").info(address_code)
    return any("county" in props for _part, props in results)


def _birth_date(number: str) -> datetime.date:
    try:
        return ric.get_birth_date(number)
    except StdnumValidationError:
        raise InvalidIdNumber(
            f"身份证号码出生日期错误：{number[6:14]} 不是有效日期", field="id_number"
        ) from None


def normalize_id_number(raw: str, *, today: datetime.date | None = None) -> str:
    """Return the canonical 18-character ID number or raise :class:`InvalidIdNumber`."""
    number = _clean(raw)
    if not number:
        raise InvalidIdNumber("身份证号码为空", field="id_number")
    if len(number) == 15:
        number = convert_15_to_18(number)
    if len(number) != 18:
        raise InvalidIdNumber(
            f"身份证号码长度错误：应为18位（或15位），实际为{len(number)}位", field="id_number"
        )
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise InvalidIdNumber("身份证号码格式错误：前17位应为数字，末位应为数字或X", field="id_number")
    birth = _birth_date(number)
    if birth > (today or datetime.date.today()) or birth.year < 1880:
        raise InvalidIdNumber(
            f"身份证号码出生日期错误：{birth.isoformat()} 不在合理范围内", field="id_number"
        )
    expected = ric.calc_check_digit(number)
    if number[17] != expected:
        raise InvalidIdNumber(
            f"身份证号码校验位错误：末位应为 {expected}，实际为 {number[17]}", field="id_number"
        )
    if not _address_code_known(number[:6]):
        raise InvalidIdNumber(
            f"身份证号码行政区划代码错误：{number[:6]} 不是有效的区划代码", field="id_number"
        )
    return number


def is_valid_id_number(raw: str) -> bool:
    try:
        normalize_id_number(raw)
    except InvalidIdNumber:
        return False
    return True


def parse_id_number(raw: str) -> IdNumberInfo:
    number = normalize_id_number(raw)
    return IdNumberInfo(
        number=number,
        birth_date=_birth_date(number),
        sex="男" if int(number[16]) % 2 == 1 else "女",
        address_code=number[:6],
    )


def id_key(number: str) -> int:
    """64-bit join key: the first 17 digits (the check character is determined by them)."""
    return int(number[:17])
