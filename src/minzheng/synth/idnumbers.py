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
    if np.any(position >= len(current)) or np.any(current[np.minimum(position, len(current) - 1)] != county_codes):
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


def id_keys(address_codes: np.ndarray, birth_dates: np.ndarray, sequences: np.ndarray) -> np.ndarray:
    """int64 of the first 17 digits: a compact join key, unique whenever the IDs are."""
    days = birth_dates.astype("datetime64[D]")
    years = days.astype("datetime64[Y]").astype(np.int64) + _EPOCH_YEAR
    months = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day_of_month = (days - days.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    yyyymmdd = years * 10_000 + months * 100 + day_of_month
    return np.asarray(address_codes, dtype=np.int64) * 100_000_000_000 + yyyymmdd * 1_000 + sequences


def check_values(keys: np.ndarray) -> np.ndarray:
    """The MOD 11-2 check value (0–10, 10 meaning X) of each 17-digit key."""
    remaining = np.asarray(keys, dtype=np.int64).copy()
    total = np.zeros(len(remaining), dtype=np.int64)
    for weight in CHECK_WEIGHTS[::-1]:  # least significant digit first
        total += (remaining % 10) * weight
        remaining //= 10
    return _CHECK_VALUES[total % 11]


def id_numbers_from_keys(keys: np.ndarray) -> pa.StringArray:
    """The 18-character ID strings, built by Arrow (no Python string per person)."""
    digits = pc.cast(pa.array(keys, pa.int64()), pa.string())
    characters = pa.array(list(CHECK_CHARACTERS), pa.string())
    # Y indexes CHECK_CHARACTERS; map check values back to Y by inverting _CHECK_VALUES.
    position_of_value = np.argsort(_CHECK_VALUES)
    check = characters.take(pa.array(position_of_value[check_values(keys)]))
    return pc.binary_join_element_wise(digits, check, "")


def id_keys_from_numbers(numbers: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """int64 of the first 17 digits of well-formed ID strings (the integer join key)."""
    return np.asarray(pc.cast(pc.utf8_slice_codeunits(numbers, 0, 17), pa.int64()))


def _as_string_array(numbers: object) -> pa.Array:
    if isinstance(numbers, pa.ChunkedArray):
        numbers = numbers.combine_chunks()
    if not isinstance(numbers, pa.Array):
        numbers = pa.array(np.asarray(numbers, dtype=object), pa.string())
    if pa.types.is_large_string(numbers.type) or pa.types.is_string_view(numbers.type):
        numbers = numbers.cast(pa.string())
    return numbers


def check_ids(numbers: object, *, today: datetime.date | None = None) -> np.ndarray:
    """Whether each ID is well formed: 18 characters, checksum right, a real birth date not after today.

    Accepts an Arrow array, a numpy array or a list of strings; null is invalid. Lower-case x is
    accepted as the policy rules ask. The address code is not checked here (stdnum does that, slowly).
    """
    array = _as_string_array(numbers)
    result = np.zeros(len(array), dtype=bool)
    well_sized = pc.fill_null(pc.equal(pc.binary_length(array), 18), False)
    candidates = np.flatnonzero(np.asarray(well_sized))
    if len(candidates) == 0:
        return result
    subset = array.take(pa.array(candidates))  # fresh buffers: offsets 0, 18, 36 …
    data = np.frombuffer(subset.buffers()[2], dtype=np.uint8)[: 18 * len(candidates)]
    characters = data.reshape(-1, 18).astype(np.int64)
    digits = characters[:, :17] - ord("0")
    digits_ok = ((digits >= 0) & (digits <= 9)).all(axis=1)
    last = characters[:, 17]
    last_value = np.where((last == ord("X")) | (last == ord("x")), 10, last - ord("0"))
    last_ok = (last_value >= 0) & (last_value <= 10)
    safe_digits = np.clip(digits, 0, 9)
    checksum_ok = _CHECK_VALUES[(safe_digits @ CHECK_WEIGHTS) % 11] == last_value
    result[candidates] = digits_ok & last_ok & checksum_ok & _dates_ok(safe_digits, today)
    return result


def _dates_ok(digits: np.ndarray, today: datetime.date | None) -> np.ndarray:
    """Digits 7–14 form a real calendar date (leap years included) no later than today."""
    year = digits[:, 6] * 1000 + digits[:, 7] * 100 + digits[:, 8] * 10 + digits[:, 9]
    month = digits[:, 10] * 10 + digits[:, 11]
    day = digits[:, 12] * 10 + digits[:, 13]
    month_ok = (month >= 1) & (month <= 12)
    month_start = ((year - _EPOCH_YEAR) * 12 + np.clip(month, 1, 12) - 1).astype("datetime64[M]")
    month_days = (month_start + 1).astype("datetime64[D]") - month_start.astype("datetime64[D]")
    day_ok = (day >= 1) & (day <= month_days.astype(np.int64))
    birth = month_start.astype("datetime64[D]") + (np.clip(day, 1, 31) - 1)
    limit = np.datetime64(today or datetime.date.today(), "D")
    return month_ok & day_ok & (year >= 1800) & (birth <= limit)
