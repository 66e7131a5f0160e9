"""ID numbers of departmental files, normalised and checked for millions of rows at once.

What departments send: full-width digits (５３０６…), spaces and dashes, a lower-case x, 15-digit numbers
from before 1999, numbers typed with one wrong digit, numbers Excel turned into 5.30602E+17, nothing at
all. ``normalize_ids`` turns each into the canonical 18-character number when it can be trusted, and
says why when it cannot. Rows with a bad ID stay in the lake (the matcher falls back on name + birth date
+ region), so the status matters as much as the number.

The checks are those of `synth.idnumbers.check_ids` (MOD 11-2 check character, a real birth date not in
the future) on whole Arrow/numpy arrays; the address code is not checked here (old codes stay valid in
old IDs; `common.ids` checks one number against GB/T 2260 when a person is looked at).
"""

from __future__ import annotations

import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from minzheng.synth import idnumbers

ID_STATUSES: dict[str, str] = {
    "valid": "有效",
    "converted_15": "15位已转为18位",
    "bad_checksum": "校验位错误",
    "bad_date": "出生日期错误",
    "bad_length": "长度或格式错误",
    "missing": "缺失",
}
"""Status code → Chinese label. ``valid`` and ``converted_15`` give a usable number, the rest do not."""

USABLE_STATUSES = ("valid", "converted_15")
STATUS_ORDER = tuple(ID_STATUSES)
"""Status codes in the order of the integer codes used inside ``normalize_ids`` (0 valid … 5 missing)."""

_CENTENARIAN_SEQUENCE = 996
"""15-digit numbers with sequence 996–999 were issued to centenarians: born 18xx, not 19xx."""
_EARLIEST_BIRTH_YEAR = 1880
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
_CLEAN_PATTERN = r"[\s\-'\"‘’“”]+"
"""Spaces (NFKC folds the ideographic space to one), dashes and the apostrophe Excel users type to keep
a number as text."""


def _as_string_array(values: pa.Array | pa.ChunkedArray) -> pa.StringArray:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks else pa.array([], pa.string())
    if pa.types.is_large_string(values.type) or pa.types.is_string_view(values.type):
        values = values.cast(pa.string())
    elif not pa.types.is_string(values.type):
        values = pc.cast(values, pa.string())
    return values


def clean_ids(values: pa.Array | pa.ChunkedArray) -> pa.StringArray:
    """Full-width → ASCII (NFKC), spaces, dashes and quotes removed, x → X. Empty strings stay empty."""
    array = _as_string_array(values)
    if len(array) and not pc.all(pc.string_is_ascii(array)).as_py():
        array = pc.utf8_normalize(array, "NFKC")
    if len(array) and pc.any(pc.match_substring_regex(array, _CLEAN_PATTERN)).as_py():
        array = pc.replace_substring_regex(array, _CLEAN_PATTERN, "")
    return pc.utf8_upper(array)


def _dates_ok(year: np.ndarray, month: np.ndarray, day: np.ndarray, today: datetime.date) -> np.ndarray:
    """A real calendar date (leap years included), from 1880, not after today (small-int arithmetic)."""
    year, month, day = (np.asarray(part, dtype=np.int32) for part in (year, month, day))
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_ok = (month >= 1) & (month <= 12)
    month_days = _DAYS_IN_MONTH[np.clip(month, 0, 12)] + (leap & (month == 2))
    not_future = year * 10_000 + month * 100 + day <= today.year * 10_000 + today.month * 100 + today.day
    return month_ok & (day >= 1) & (day <= month_days) & (year >= _EARLIEST_BIRTH_YEAR) & not_future


_WEIGHTS = idnumbers.CHECK_WEIGHTS
_CHECK_VALUE_OF_Y = np.array([1, 0, 10, 9, 8, 7, 6, 5, 4, 3, 2], dtype=np.int64)
"""Y = S mod 11 → the check value (10 meaning X), GB 11643 / ISO 7064 MOD 11-2."""
VALID, CONVERTED_15, BAD_CHECKSUM, BAD_DATE, BAD_LENGTH, MISSING = range(6)


def _byte_matrix(array: pa.StringArray, rows: np.ndarray, width: int) -> np.ndarray:
    """(len(rows), width) bytes of the given rows, all ``width`` bytes long, straight from Arrow's buffers."""
    subset = array if len(rows) == len(array) else array.take(pa.array(rows))
    if len(subset) == 0:
        return np.zeros((0, width), dtype=np.uint8)
    offsets = np.frombuffer(subset.buffers()[1], dtype=np.int32)[
        subset.offset : subset.offset + len(subset) + 1
    ]
    data = np.frombuffer(subset.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    return data.reshape(len(subset), width)


def _digit_rows(text: np.ndarray, digits: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``digits`` columns as digit values, one contiguous row per position (digits × n, uint8),
    and whether they are all digits. Small-integer arrays by position keep the arithmetic cheap for
    tens of millions of numbers."""
    values = np.ascontiguousarray((text[:, :digits] - np.uint8(ord("0"))).T)  # wraps above 9 for non-digits
    shaped = values.max(axis=0, initial=0) <= 9
    if not shaped.all():
        values[:, ~shaped] = 0
    return values, shaped


def _number(values: np.ndarray, first: int, last: int, dtype: type = np.int64) -> np.ndarray:
    """The digits first…last-1 as one integer per number (int32 is enough up to 9 digits)."""
    number: np.ndarray = np.zeros(values.shape[1], dtype=dtype)
    for position in range(first, last):
        number *= 10
        number += values[position]
    return number


def _classify(array: pa.StringArray, today: datetime.date) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(code, key, rebuild) per element for numbers already in canonical shape (18 or 15 ASCII digits,
    X or x last); everything else comes out as BAD_LENGTH (MISSING when empty) for the caller to clean.

    ``rebuild`` marks usable numbers whose text is not canonical (15 digits, lower-case x).
    """
    count = len(array)
    size = np.asarray(pc.fill_null(pc.binary_length(array), 0), dtype=np.int64)
    codes = np.where(size == 0, MISSING, BAD_LENGTH).astype(np.int8)
    keys = np.zeros(count, dtype=np.int64)
    rebuild = np.zeros(count, dtype=bool)
    rows = np.flatnonzero(size == 18)
    if len(rows):
        text = _byte_matrix(array, rows, 18)
        values, shaped = _digit_rows(text, 17)
        last = text[:, 17]
        lower_x = last == ord("x")
        given = np.where((last == ord("X")) | lower_x, 10, last.astype(np.int16) - ord("0"))
        shaped &= (given >= 0) & (given <= 10)
        weighted = np.zeros(len(rows), dtype=np.uint16)
        for position, weight in enumerate(_WEIGHTS):
            weighted += values[position] * np.uint16(weight)
        checksum_ok = _CHECK_VALUE_OF_Y[weighted % 11] == given
        date_ok = _dates_ok(
            _number(values, 6, 10, np.int32),
            _number(values, 10, 12, np.int32),
            _number(values, 12, 14, np.int32),
            today,
        )
        codes[rows] = np.where(
            ~shaped, BAD_LENGTH, np.where(~date_ok, BAD_DATE, np.where(checksum_ok, VALID, BAD_CHECKSUM))
        )
        keys[rows] = _number(values, 0, 9) * 100_000_000 + _number(values, 9, 17)
        rebuild[rows] = shaped & lower_x
    rows = np.flatnonzero(size == 15)
    if len(rows):
        values, shaped = _digit_rows(_byte_matrix(array, rows, 15), 15)
        sequence = _number(values, 12, 15)
        century = np.where(sequence >= _CENTENARIAN_SEQUENCE, 18, 19)
        year = century * 100 + _number(values, 6, 8)
        date_ok = _dates_ok(year, _number(values, 8, 10), _number(values, 10, 12), today)
        codes[rows] = np.where(~shaped, BAD_LENGTH, np.where(date_ok, CONVERTED_15, BAD_DATE))
        keys[rows] = (_number(values, 0, 6) * 10_000 + year) * 10_000_000 + _number(values, 8, 15)
        rebuild[rows] = shaped
    return codes, keys, rebuild & (codes <= CONVERTED_15)


def normalize_ids_with_keys(
    values: pa.Array | pa.ChunkedArray, *, today: datetime.date | None = None
) -> tuple[pa.StringArray, pa.StringArray, pa.Int64Array]:
    """``normalize_ids`` plus the int64 join key (first 17 digits; null where the number is unusable).

    Numbers already in shape (the vast majority) are checked straight from Arrow's byte buffers; only the
    others go through the text cleaning (NFKC, spaces, dashes, case) and are checked again.
    """
    limit = today or datetime.date.today()
    array = _as_string_array(values)
    codes, keys, rebuild = _classify(array, limit)
    untidy = np.flatnonzero(codes >= BAD_LENGTH)
    if len(untidy):
        cleaned = clean_ids(array.take(pa.array(untidy)))
        clean_codes, clean_keys, _ = _classify(cleaned, limit)
        codes[untidy], keys[untidy] = clean_codes, clean_keys
        rebuild[untidy] = clean_codes <= CONVERTED_15
    usable = codes <= CONVERTED_15
    normalized = pc.if_else(pa.array(usable & ~rebuild), array, pa.scalar(None, pa.string()))
    if rebuild.any():
        normalized = pc.replace_with_mask(
            normalized, pa.array(rebuild), idnumbers.id_numbers_from_keys(keys[rebuild])
        )
    labels = pa.array(STATUS_ORDER, pa.string()).take(pa.array(codes))
    return normalized, labels, pa.array(keys, pa.int64(), mask=~usable)


def normalize_ids(
    values: pa.Array | pa.ChunkedArray, *, today: datetime.date | None = None
) -> tuple[pa.StringArray, pa.StringArray]:
    """(normalised, status) for each ID: the canonical 18 characters, or null with the reason.

    Statuses: ``valid``; ``converted_15`` (a valid 15-digit number, given its century and check
    character); ``bad_checksum``; ``bad_date`` (not a real date, before 1880 or in the future);
    ``bad_length`` (not 15 or 18 characters of the right kind); ``missing`` (null or empty).
    Full-width digits, spaces, dashes, quotes and a lower-case x are cleaned first.
    """
    normalized, status, _ = normalize_ids_with_keys(values, today=today)
    return normalized, status


def id_keys(normalized: pa.Array | pa.ChunkedArray) -> pa.Int64Array:
    """int64 of the first 17 digits of normalised numbers (null stays null): the compute plane's join key."""
    array = _as_string_array(normalized)
    return pc.cast(pc.utf8_slice_codeunits(array, 0, 17), pa.int64())
