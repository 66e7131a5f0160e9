"""Vectorised 居民身份证号码 (GB 11643-1999) for millions of synthetic people at once.

An ID is the 6-digit address code in force when the number was assigned, the birth date YYYYMMDD,
a 3-digit sequence (odd for men, even for women) and the ISO 7064 MOD 11-2 check character.
python-stdnum's strict check (`stdnum.cn.ric.validate`) also requires the address code to have been
in force in the birth year, so people born before 2001 carry the 昭通地区 codes (5321xx) and 水富
born 2001–2017 carries 530630 (水富县) rather than 530681 (水富市).

Everything works on whole arrays; the only Python loop is the rare retry when more than 500 people of
one sex share an address code and birth date (impossible at the scales we generate, kept for safety).
"""

from __future__ import annotations

import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

CHECK_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
CHECK_CHARACTERS = "10X98765432"
"""Y = S mod 11 indexes this string (GB 11643 / ISO 7064 MOD 11-2)."""

_CHECK_VALUES = np.array([1, 0, 10, 9, 8, 7, 6, 5, 4, 3, 2], dtype=np.int8)
"""The check character as a number (X = 10), indexed by Y."""

PREFECTURE_CODES_BEFORE_2001: dict[int, int] = {
    530602: 532101,  # 昭阳区 ← 昭通市 (县级) of 昭通地区
    530621: 532122,
    530622: 532123,
    530623: 532124,
    530624: 532125,
    530625: 532126,
    530626: 532127,
    530627: 532128,
    530628: 532129,
    530629: 532130,
    530681: 532131,
}
"""Current county code → the 昭通地区 code in force for births up to 2000."""

CODES_2001_TO_2017: dict[int, int] = {530681: 530630}
"""水富 was 水富县 (530630) until it became 水富市 (530681) in 2018."""

FIRST_YEAR_OF_CITY_CODES = 2001
FIRST_YEAR_OF_SHUIFU_CITY = 2018

MALE_SEQUENCES = 500
"""Odd sequences 001…999 for men."""
FEMALE_SEQUENCES = 499
"""Even sequences 002…998 for women (000 is not used)."""

_EPOCH_YEAR = 1970


def address_codes_at_birth(county_codes: np.ndarray, birth_dates: np.ndarray) -> np.ndarray:
    """The address code each person's ID was issued with, from today's county code and birth year."""
    county_codes = np.asarray(county_codes, dtype=np.int64)
    years = birth_dates.astype("datetime64[Y]").astype(np.int64) + _EPOCH_YEAR
    current = np.array(sorted(PREFECTURE_CODES_BEFORE_2001), dtype=np.int64)
    before_2001 = np.array([PREFECTURE_CODES_BEFORE_2001[code] for code in current], dtype=np.int64)
    from_2001 = np.array([CODES_2001_TO_2017.get(int(code), int(code)) for code in current], dtype=np.int64)
    position = np.searchsorted(current, county_codes)
    if np.any(position >= len(current)) or np.any(
        current[np.minimum(position, len(current) - 1)] != county_codes
    ):
        raise ValueError("county code outside Zhaotong")
    return np.where(
        years < FIRST_YEAR_OF_CITY_CODES,
        before_2001[position],
        np.where(years < FIRST_YEAR_OF_SHUIFU_CITY, from_2001[position], county_codes),
    )


def _group_ranks(keys: np.ndarray) -> np.ndarray:
    """Rank of each element among equal keys (0, 1, 2 …), by a stable sort: no Python loop."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.ones(len(keys), dtype=bool)
    starts[1:] = sorted_keys[1:] != sorted_keys[:-1]
    positions = np.arange(len(keys), dtype=np.int64)
    group_first = np.maximum.accumulate(np.where(starts, positions, 0))
    ranks = np.empty(len(keys), dtype=np.int64)
    ranks[order] = positions - group_first
    return ranks


def _group_keys(address_codes: np.ndarray, birth_dates: np.ndarray, is_male: np.ndarray) -> np.ndarray:
    """One int64 per (address code, birth date, sex): the sequence space shared by those people."""
    days = birth_dates.astype("datetime64[D]").astype(np.int64) + 100_000  # positive from year 1696
    return (np.asarray(address_codes, dtype=np.int64) * 1_000_000 + days) * 2 + is_male.astype(np.int64)


def assign_sequences(
    address_codes: np.ndarray, birth_dates: np.ndarray, is_male: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Unique sequence numbers per (address code, birth date, sex), with birth dates adjusted.

    Returns (birth_dates, sequences). A group's ranks are rotated by an offset derived from its key,
    so sequences spread over 001–999 as in real IDs rather than all being 001, 002. When a group
    has more members than its 500 (men) or 499 (women) sequences, the overflow is born a day later
    and everything is redone; with ~50 people per county-day at full scale that never happens.
    """
    birth_dates = birth_dates.astype("datetime64[D]").copy()
    is_male = np.asarray(is_male, dtype=bool)
    capacity = np.where(is_male, MALE_SEQUENCES, FEMALE_SEQUENCES)
    while True:
        keys = _group_keys(address_codes, birth_dates, is_male)
        ranks = _group_ranks(keys)
        overflow = ranks >= capacity
        if not overflow.any():
            break
        birth_dates[overflow] += np.timedelta64(1, "D")
    # Multiplicative hashing of the group key: the same offset for every member of a group.
    offsets = ((keys.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(40)).astype(np.int64)
    slots = (ranks + offsets) % capacity
    sequences = np.where(is_male, 2 * slots + 1, 2 * slots + 2)
    return birth_dates, sequences.astype(np.int64)


def civil_from_days(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(year, month, day) of datetime64[D] values by integer arithmetic.

    numpy's calendar conversions (astype datetime64[Y]/[M]) are several times slower; this is
    Howard Hinnant's days-to-civil algorithm, exact for the proleptic Gregorian calendar.
    """
    shifted = days.astype("datetime64[D]").astype(np.int64) + 719_468
    era = np.floor_divide(shifted, 146_097)
    day_of_era = shifted - era * 146_097
    year_of_era = (day_of_era - day_of_era // 1_460 + day_of_era // 36_524 - day_of_era // 146_096) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    month_index = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * month_index + 2) // 5 + 1
    month = np.where(month_index < 10, month_index + 3, month_index - 9)
    year = year_of_era + era * 400 + (month <= 2)
    return year, month, day


def id_keys(address_codes: np.ndarray, birth_dates: np.ndarray, sequences: np.ndarray) -> np.ndarray:
    """int64 of the first 17 digits: a compact join key, unique whenever the IDs are."""
    year, month, day = civil_from_days(birth_dates)
    yyyymmdd = year * 10_000 + month * 100 + day
    return np.asarray(address_codes, dtype=np.int64) * 100_000_000_000 + yyyymmdd * 1_000 + sequences


def _digits(keys: np.ndarray) -> np.ndarray:
    """The 17 decimal digits of each key as a (n, 17) uint8 matrix, most significant first.

    The key is split into two halves first so the divisions run on small integers.
    """
    keys = np.asarray(keys, dtype=np.int64)
    high, low = np.divmod(keys, 100_000_000)  # 9 and 8 digits
    digits = np.empty((len(keys), 17), dtype=np.uint8)
    for part, first, width in ((high, 0, 9), (low, 9, 8)):
        remaining = part.astype(np.int64)
        for column in range(first + width - 1, first - 1, -1):
            remaining, digit = np.divmod(remaining, 10)
            digits[:, column] = digit
    return digits


def _checksum_values(digits: np.ndarray) -> np.ndarray:
    """The MOD 11-2 check value (0–10, 10 meaning X) from a (n, 17) digit matrix."""
    total = np.zeros(len(digits), dtype=np.int32)
    for column, weight in enumerate(CHECK_WEIGHTS):
        total += digits[:, column].astype(np.int32) * int(weight)
    return _CHECK_VALUES[total % 11]


def check_values(keys: np.ndarray) -> np.ndarray:
    """The MOD 11-2 check value (0–10, 10 meaning X) of each 17-digit key."""
    return _checksum_values(_digits(keys))


def id_numbers_from_keys(keys: np.ndarray) -> pa.StringArray:
    """The 18-character ID strings, written straight into an Arrow buffer (no Python strings)."""
    digits = _digits(keys)
    text = np.empty((len(digits), 18), dtype=np.uint8)
    text[:, :17] = digits + ord("0")
    ascii_check = np.frombuffer(CHECK_CHARACTERS.encode(), dtype=np.uint8)
    position_of_value = np.argsort(_CHECK_VALUES)  # check value → Y, inverting the table
    text[:, 17] = ascii_check[position_of_value[_checksum_values(digits)]]
    offsets = np.arange(0, 18 * len(digits) + 1, 18, dtype=np.int32)
    return pa.Array.from_buffers(pa.string(), len(digits), [None, pa.py_buffer(offsets), pa.py_buffer(text)])


def id_keys_from_numbers(numbers: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """int64 of the first 17 digits of well-formed ID strings (the integer join key)."""
    return np.asarray(pc.cast(pc.utf8_slice_codeunits(numbers, 0, 17), pa.int64()))


def _as_string_array(numbers: object) -> pa.Array:
    """Any list-like of ID strings as one Arrow string array (int32 offsets)."""
    if isinstance(numbers, pa.ChunkedArray):
        numbers = numbers.combine_chunks()
    array = (
        numbers if isinstance(numbers, pa.Array) else pa.array(np.asarray(numbers, dtype=object), pa.string())
    )
    return array if pa.types.is_string(array.type) else array.cast(pa.string())


_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int32)


def check_ids(numbers: object, *, today: datetime.date | None = None) -> np.ndarray:
    """Whether each ID is well formed: 18 characters, checksum right, a real birth date not after today.

    Accepts an Arrow array, a numpy array or a list of strings; null is invalid. Lower-case x is
    accepted, as the policy rules ask. The address code is not checked here: stdnum does that
    (slowly, per string), and old codes stay valid in old IDs.
    """
    array = _as_string_array(numbers)
    result = np.zeros(len(array), dtype=bool)
    well_sized = pc.fill_null(pc.equal(pc.binary_length(array), 18), False)
    candidates = np.flatnonzero(np.asarray(well_sized))
    if len(candidates) == 0:
        return result
    subset = array.take(pa.array(candidates))  # fresh buffers: offsets 0, 18, 36 …
    text = np.frombuffer(subset.buffers()[2], dtype=np.uint8)[: 18 * len(candidates)].reshape(-1, 18)
    digits = text[:, :17] - np.uint8(ord("0"))  # wraps above 9 for non-digits
    digits_ok = (digits <= 9).all(axis=1)
    last = text[:, 17]
    last_value = np.where((last == ord("X")) | (last == ord("x")), 10, last.astype(np.int16) - ord("0"))
    checksum_ok = _checksum_values(np.minimum(digits, 9)) == last_value
    result[candidates] = digits_ok & checksum_ok & _dates_ok(np.minimum(digits, 9), today)
    return result


def _dates_ok(digits: np.ndarray, today: datetime.date | None) -> np.ndarray:
    """Digits 7–14 form a real calendar date (leap years included) no later than today."""
    as_int = digits.astype(np.int32)
    year = as_int[:, 6] * 1000 + as_int[:, 7] * 100 + as_int[:, 8] * 10 + as_int[:, 9]
    month = as_int[:, 10] * 10 + as_int[:, 11]
    day = as_int[:, 12] * 10 + as_int[:, 13]
    month_ok = (month >= 1) & (month <= 12)
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_days = _DAYS_IN_MONTH[np.clip(month, 0, 12)] + (leap & (month == 2))
    day_ok = (day >= 1) & (day <= month_days)
    limit = today or datetime.date.today()
    not_future = year * 10_000 + month * 100 + day <= limit.year * 10_000 + limit.month * 100 + limit.day
    return month_ok & day_ok & (year >= 1800) & not_future
