"""A synthetic registry and a noisy departmental source with known truth, for tests and benchmarks.

Everything is vectorised (numpy + Arrow); only the small character tables are Python.

The registry has real Zhaotong county codes, the synthetic village tree (`synth.regions`), IDs built by
`synth.idnumbers` (unique, valid, old 昭通地区 codes for people born before 2001), and names drawn from
`synth.names`' weighted tables, so that 张伟 and 李娟 are common and term frequencies matter.

The source draws registry people (with repeats, as a department has several rows of one person) and
outsiders (people not in the registry), then spoils their IDs and names the way departmental data is
spoiled. Each record's `noise` says how; the truth says which person it is (null for outsiders).

ID noise (`noise`), with the path that should place the record:
    clean             the 18-digit ID as is                                       exact
    id_15             the old 15-digit number (born before 2000)                  exact
    typo              one of the first 17 digits changed      → bad_checksum/bad_date   fuzzy
    transposition     two adjacent different digits swapped   → bad_checksum/bad_date   fuzzy
    wrong_check       the check character changed             → bad_checksum      fuzzy
    missing           no ID                                   → missing           fuzzy
    bad_length        one character dropped                   → bad_length        fuzzy
    typo_15           a 15-digit number with a typo: converts to a well-formed number of nobody  fuzzy
    outsider          not in the registry, valid ID: must not link                exact (no link)
    outsider_missing  not in the registry, no ID: must not link                   fuzzy (no link)
Name noise (`name_noise`): none, homophone (张玮 for 张伟), traditional (張偉).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from minzheng.synth import idnumbers, names
from minzheng.synth.regions import build_regions

from .sql import ID_STATUSES

DEFAULT_NOISE_SHARES: tuple[tuple[str, float], ...] = (
    ("clean", 0.70),
    ("id_15", 0.05),
    ("typo", 0.06),
    ("transposition", 0.02),
    ("wrong_check", 0.02),
    ("missing", 0.05),
    ("bad_length", 0.02),
    ("typo_15", 0.01),
    ("outsider", 0.05),
    ("outsider_missing", 0.02),
)

EXACT_NOISE = frozenset({"clean", "id_15", "outsider"})
"""Noise kinds whose record the exact join should decide (link, or for outsiders, not)."""
FUZZY_NOISE = frozenset(
    {"typo", "transposition", "wrong_check", "missing", "bad_length", "typo_15", "outsider_missing"}
)
OUTSIDER_NOISE = frozenset({"outsider", "outsider_missing"})
ALL_NOISE = tuple(kind for kind, _ in DEFAULT_NOISE_SHARES)

NAME_NOISE_SHARES: tuple[tuple[str, float], ...] = (
    ("none", 0.93),
    ("homophone", 0.04),
    ("traditional", 0.03),
)

HOMOPHONES: dict[str, str] = {
    "伟": "玮", "丽": "莉", "娟": "鹃", "静": "婧", "军": "君", "华": "桦", "明": "铭", "杰": "洁",
    "涛": "韬", "斌": "彬", "鹏": "朋", "平": "萍", "刚": "钢", "林": "琳", "辉": "晖", "峰": "锋",
    "霞": "侠", "玲": "铃", "琴": "芹", "红": "宏", "梅": "玫", "芳": "方", "英": "莹", "婷": "亭",
    "云": "芸", "龙": "隆", "海": "亥", "兰": "岚", "珍": "贞", "凤": "奉", "玉": "钰", "秀": "绣",
    "国": "帼", "建": "健", "文": "雯", "志": "智", "强": "蔷", "勇": "永", "波": "博", "东": "冬",
    "燕": "艳", "敏": "闵", "雪": "薛", "宇": "雨", "浩": "昊", "轩": "萱", "子": "梓", "涵": "寒",
    "欣": "鑫", "怡": "仪", "佳": "嘉", "思": "斯", "琪": "祺", "悦": "越", "雅": "亚", "晨": "辰",
    "福": "富", "贵": "桂", "荣": "蓉", "春": "椿", "德": "得", "学": "雪", "正": "政", "民": "敏",
}  # fmt: skip
"""A given-name character and a common homophone a clerk might type instead (same toneless pinyin)."""

TRADITIONAL: dict[str, str] = {
    "张": "張", "刘": "劉", "陈": "陳", "杨": "楊", "赵": "趙", "黄": "黃", "吴": "吳", "孙": "孫",
    "马": "馬", "罗": "羅", "郑": "鄭", "谢": "謝", "韩": "韓", "冯": "馮", "邓": "鄧", "许": "許",
    "苏": "蘇", "卢": "盧", "蒋": "蔣", "叶": "葉", "汤": "湯", "龙": "龍", "陆": "陸", "钟": "鍾",
    "伟": "偉", "华": "華", "国": "國", "军": "軍", "丽": "麗", "红": "紅", "强": "強", "东": "東",
    "兰": "蘭", "凤": "鳳", "贵": "貴", "荣": "榮", "兴": "興", "发": "發", "书": "書", "长": "長",
    "丰": "豐", "宁": "寧", "艳": "艷", "涛": "濤", "鹏": "鵬", "辉": "輝",
    "刚": "剛", "杰": "傑", "凯": "凱", "轩": "軒",
    "诗": "詩", "语": "語", "铭": "銘", "锦": "錦",
}  # fmt: skip
"""Simplified → traditional for common name characters (a source that stores traditional script)."""

_BIRTH_START = np.datetime64("1935-01-01")
_BIRTH_END = np.datetime64("2022-12-31")
_EPOCH_YEAR = 1970
_CHECK_CHARACTERS = np.frombuffer(b"0123456789X", dtype=np.uint8)


@dataclass(frozen=True)
class LinkageFixture:
    registry: pa.Table
    """person_id, id_number, id_key, name, sex, birth_date, region_code, household_id"""
    source: pa.Table
    """record_id, id_number, id_raw, id_status, id_key, name, birth_date, region_code, amount"""
    truth: pa.Table
    """record_id, person_id (null for outsiders), noise, name_noise"""


def _choose(rng: np.random.Generator, shares: tuple[tuple[str, float], ...], size: int) -> np.ndarray:
    weights = np.array([share for _, share in shares], dtype=np.float64)
    return rng.choice(len(shares), size=size, p=weights / weights.sum())


@dataclass(frozen=True)
class _Pool:
    """People as parallel arrays (registry people first, then the outsiders)."""

    village: np.ndarray
    household: np.ndarray
    is_male: np.ndarray
    birth: np.ndarray
    sequence: np.ndarray
    keys: np.ndarray
    name_codes: np.ndarray


def _people(n: int, rng: np.random.Generator) -> _Pool:
    """n people: sex, birth date, village, name codes; IDs unique across all n."""
    regions = build_regions()
    household_count = max(1, n // 3)
    household_village = regions.village_codes[rng.integers(0, len(regions.village_codes), household_count)]
    household = np.minimum(np.arange(n) // 3, household_count - 1)
    village = household_village[household]
    county = village // 1_000_000
    is_male = rng.random(n) < 0.5
    span = int((_BIRTH_END - _BIRTH_START).astype(np.int64))
    birth = _BIRTH_START + rng.integers(0, span, n).astype("timedelta64[D]")
    address = idnumbers.address_codes_at_birth(county, birth)
    birth, sequence = idnumbers.assign_sequences(address, birth, is_male)
    keys = idnumbers.id_keys(address, birth, sequence)
    year = birth.astype("datetime64[Y]").astype(np.int64) + _EPOCH_YEAR
    return _Pool(
        village=village,
        household=household,
        is_male=is_male,
        birth=birth,
        sequence=sequence,
        keys=keys,
        name_codes=_name_codes(is_male, year, rng),
    )


_SURNAMES = names.table_values(names.SURNAME_WEIGHTS)
_GIVEN_TABLES = names.MALE_GIVEN_CHARACTERS_BY_ERA + names.FEMALE_GIVEN_CHARACTERS_BY_ERA
_CHARACTERS = list(dict.fromkeys([*_SURNAMES, *(v for t in _GIVEN_TABLES for v in names.table_values(t))]))
_EMPTY = len(_CHARACTERS)
"""Code of the empty string: the missing second character of a one-character given name."""
_ALPHABET = [*_CHARACTERS, "", *HOMOPHONES.values(), *TRADITIONAL.values()]
"""Every character a fixture name can hold, by code: the name tables, "", then the variants."""


def _name_codes(is_male: np.ndarray, year: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(n, 3) character codes: surname, first and second given-name character (or _EMPTY)."""
    n = len(is_male)
    codes = np.full((n, 3), _EMPTY, dtype=np.int64)
    surname_codes = np.array([_CHARACTERS.index(value) for value in _SURNAMES])
    codes[:, 0] = surname_codes[rng.choice(len(_SURNAMES), n, p=names.normalised(names.SURNAME_WEIGHTS))]
    era = np.searchsorted(np.array(names.GIVEN_NAME_ERA_STARTS[1:]), year, side="right")
    for sex_index, by_era in enumerate(
        (names.MALE_GIVEN_CHARACTERS_BY_ERA, names.FEMALE_GIVEN_CHARACTERS_BY_ERA)
    ):
        for era_index, table in enumerate(by_era):
            people = np.flatnonzero((is_male == (sex_index == 0)) & (era == era_index))
            table_codes = np.array([_CHARACTERS.index(value) for value in names.table_values(table)])
            p = names.normalised(table)
            codes[people, 1] = table_codes[rng.choice(len(table_codes), len(people), p=p)]
            codes[people, 2] = table_codes[rng.choice(len(table_codes), len(people), p=p)]
    one_character = rng.random(n) < names.SINGLE_CHARACTER_GIVEN_NAME_SHARE
    codes[one_character, 2] = _EMPTY
    return codes


def _names_from_codes(codes: np.ndarray) -> pa.Array:
    characters = pa.array(_ALPHABET, pa.string())
    return pc.binary_join_element_wise(*(characters.take(pa.array(codes[:, i])) for i in range(3)), "")


def _text_matrix(array: pa.Array, width: int) -> np.ndarray:
    """Fixed-width ASCII strings as an (n, width) uint8 matrix."""
    array = array.take(pa.array(np.arange(len(array))))  # fresh buffers, offsets from 0
    return np.frombuffer(array.buffers()[2], dtype=np.uint8)[: width * len(array)].reshape(-1, width).copy()


def _strings_from_matrix(matrix: np.ndarray, lengths: np.ndarray) -> pa.Array:
    """Rows of an ASCII matrix as strings, row i cut to lengths[i] (0 → null)."""
    n, width = matrix.shape
    keep = np.arange(width)[None, :] < lengths[:, None]
    data = matrix[keep]
    offsets = np.zeros(n + 1, dtype=np.int32)
    offsets[1:] = np.cumsum(lengths)
    validity = lengths > 0
    mask = pa.array(validity).buffers()[1] if not validity.all() else None
    return pa.Array.from_buffers(
        pa.string(),
        n,
        [mask, pa.py_buffer(offsets), pa.py_buffer(data.tobytes())],
        null_count=int((~validity).sum()),
    )


def classify_ids(raw: pa.Array) -> tuple[pa.Array, pa.Array, pa.Array]:
    """(id_number, id_status, id_key) of raw ID text, as the lake's ingest reports them.

    A stand-in for the lake's normaliser, vectorised: 18 characters with a valid date and check
    character → valid; 15 digits with a valid date → converted_15 (century 19, or 18 for sequences
    996–999); a bad date → bad_date; otherwise bad_checksum, bad_length, or missing.
    """
    n = len(raw)
    lengths = np.asarray(pc.fill_null(pc.utf8_length(raw), 0))
    code = {name: index for index, name in enumerate(ID_STATUSES)}
    status = np.full(n, code["bad_length"], dtype=np.int8)
    status[lengths == 0] = code["missing"]
    keys = np.zeros(n, dtype=np.int64)
    has_key = np.zeros(n, dtype=bool)

    rows18 = np.flatnonzero(lengths == 18)
    if len(rows18):
        text = raw.take(pa.array(rows18))
        valid = idnumbers.check_ids(text)
        date_ok = _date_ok(pc.utf8_slice_codeunits(text, 6, 14))
        status[rows18] = np.where(
            valid, code["valid"], np.where(date_ok, code["bad_checksum"], code["bad_date"])
        )
        good = rows18[valid]
        keys[good] = idnumbers.id_keys_from_numbers(text.filter(pa.array(valid)))
        has_key[good] = True
    rows15 = np.flatnonzero(lengths == 15)
    if len(rows15):
        text = raw.take(pa.array(rows15))
        matrix = _text_matrix(text, 15)
        digits_ok = ((matrix >= ord("0")) & (matrix <= ord("9"))).all(axis=1)
        sequence = pc.utf8_slice_codeunits(text, 12, 15)
        centenarian = np.asarray(pc.is_in(sequence, pa.array(["996", "997", "998", "999"])))
        century = pa.array(np.where(centenarian, "18", "19"))
        body = pc.binary_join_element_wise(
            pc.utf8_slice_codeunits(text, 0, 6), century, pc.utf8_slice_codeunits(text, 6, 15), ""
        )
        date_ok = _date_ok(pc.utf8_slice_codeunits(body, 6, 14)) & digits_ok
        status[rows15] = np.where(
            date_ok, code["converted_15"], np.where(digits_ok, code["bad_date"], code["bad_length"])
        )
        good = rows15[date_ok]
        keys[good] = np.asarray(pc.cast(body.filter(pa.array(date_ok)), pa.int64()))
        has_key[good] = True
    numbers_array = idnumbers.id_numbers_from_keys(keys)
    key_array = pa.array(keys, mask=~has_key)
    number_array = pc.if_else(pa.array(has_key), numbers_array, pa.scalar(None, pa.string()))
    return number_array, pa.array(ID_STATUSES, pa.string()).take(pa.array(status)), key_array


def _date_ok(text: pa.Array) -> np.ndarray:
    parsed = pc.strptime(text, format="%Y%m%d", unit="s", error_is_null=True)
    return np.asarray(pc.is_valid(parsed))


def make_linkage_fixture(
    n_people: int,
    n_records: int,
    seed: int = 1,
    *,
    noise_shares: tuple[tuple[str, float], ...] = DEFAULT_NOISE_SHARES,
    name_noise_shares: tuple[tuple[str, float], ...] = NAME_NOISE_SHARES,
    birth_date_missing: float = 0.08,
    birth_date_shifted: float = 0.02,
) -> LinkageFixture:
    """A registry of `n_people` and a source of `n_records` with known truth (see the module doc)."""
    rng = np.random.default_rng(seed)
    noise_kinds = [kind for kind, _ in noise_shares]
    noise = _choose(rng, noise_shares, n_records)
    outsider_codes = [noise_kinds.index(kind) for kind in OUTSIDER_NOISE if kind in noise_kinds]
    is_outsider = np.isin(noise, outsider_codes)
    n_outsiders = max(1, int(is_outsider.sum()))
    pool = _people(n_people + n_outsiders, rng)

    # ---- registry: the first n_people of the pool
    registry_rows = np.arange(n_people)
    registry_keys = pool.keys[registry_rows]
    name_codes, birth, village = pool.name_codes, pool.birth, pool.village
    registry = pa.table(
        {
            "person_id": pa.array(registry_rows + 1, pa.int64()),
            "id_number": idnumbers.id_numbers_from_keys(registry_keys),
            "id_key": pa.array(registry_keys, pa.int64()),
            "name": _names_from_codes(name_codes[registry_rows]),
            "sex": pa.array(["女", "男"], pa.string()).take(
                pa.array(pool.is_male[registry_rows].astype(np.int8))
            ),
            "birth_date": pa.array(birth[registry_rows]).cast(pa.date32()),
            "region_code": pc.cast(pa.array(village[registry_rows]), pa.string()),
            "household_id": pa.array(pool.household[registry_rows] + 1, pa.int64()),
        }
    )

    # ---- records: who they are
    person = rng.integers(0, n_people, n_records)
    person[is_outsider] = n_people + rng.integers(0, n_outsiders, int(is_outsider.sum()))
    kind_names = [*noise_kinds, *(k for k in ALL_NOISE if k not in noise_kinds)]
    kind = noise.astype(np.int8)  # codes into kind_names; the string column is built at the end
    code = {name: index for index, name in enumerate(kind_names)}
    keys = pool.keys[person]
    sequence = pool.sequence[person]
    year = birth[person].astype("datetime64[Y]").astype(np.int64) + _EPOCH_YEAR
    # 15-digit numbers were issued to people born last century; sequences 996–999 would convert to 18xx
    no_15 = (year >= 2000) | (sequence >= 996)
    kind[(kind == code["id_15"]) & no_15] = code["clean"]
    kind[(kind == code["typo_15"]) & no_15] = code["typo"]

    id_raw = _spoil_ids(keys, kind, code, rng)
    id_number, id_status, id_key = classify_ids(id_raw)

    name_noise_names = [kind for kind, _ in name_noise_shares]
    name_noise = _choose(rng, name_noise_shares, n_records)
    record_codes = name_codes[person].copy()
    homophone_codes = _variant_codes(HOMOPHONES)
    traditional_codes = _variant_codes(TRADITIONAL)
    is_homophone = name_noise == _index_or_minus_one(name_noise_names, "homophone")
    # every given-name character that has a homophone is typed as the homophone
    for column in (1, 2):
        current = record_codes[is_homophone, column]
        mapped = homophone_codes[current]
        record_codes[is_homophone, column] = np.where(mapped >= 0, mapped, current)
    is_traditional = name_noise == _index_or_minus_one(name_noise_names, "traditional")
    for column in range(3):
        current = record_codes[is_traditional, column]
        mapped = traditional_codes[current]
        record_codes[is_traditional, column] = np.where(mapped >= 0, mapped, current)

    record_birth = birth[person].copy()
    shifted = rng.random(n_records) < birth_date_shifted
    record_birth[shifted] += rng.choice([-3, -2, -1, 1, 2, 3], int(shifted.sum())).astype("timedelta64[D]")
    # a department identifies people by the ID or, failing that, the birth date: a record without
    # any ID text keeps its birth date (records with neither are not identifiable, tested apart)
    has_id_text = ~np.isin(kind, [code["missing"], code["outsider_missing"]])
    birth_missing = (rng.random(n_records) < birth_date_missing) & has_id_text
    region_kind = rng.choice(3, n_records, p=[0.75, 0.20, 0.05])  # village, county only, none
    record_village = village[person]
    region = pc.cast(pa.array(record_village), pa.string())
    region = pc.if_else(pa.array(region_kind == 1), pc.utf8_slice_codeunits(region, 0, 6), region)
    region = pc.if_else(pa.array(region_kind == 2), pa.scalar(None, pa.string()), region)

    record_ids = pc.binary_join_element_wise(
        "R", pc.utf8_lpad(pc.cast(pa.array(np.arange(1, n_records + 1)), pa.string()), 9, "0"), ""
    )
    source = pa.table(
        {
            "record_id": record_ids,
            "id_number": id_number,
            "id_raw": id_raw,
            "id_status": id_status,
            "id_key": id_key,
            "name": _names_from_codes(record_codes),
            "birth_date": pa.array(record_birth, mask=birth_missing).cast(pa.date32()),
            "region_code": region,
            "amount": pa.array(np.round(rng.uniform(100, 5000, n_records), 2)),
        }
    )
    truth = pa.table(
        {
            "record_id": record_ids,
            "person_id": pa.array(person + 1, pa.int64(), mask=is_outsider),
            "noise": pa.array(kind_names, pa.string()).take(pa.array(kind)),
            "name_noise": pa.array(name_noise_names, pa.string()).take(pa.array(name_noise)),
        }
    )
    return LinkageFixture(registry=registry, source=source, truth=truth)


def _index_or_minus_one(values: list[str], value: str) -> int:
    return values.index(value) if value in values else -1


def _variant_codes(mapping: dict[str, str]) -> np.ndarray:
    """For each character code, the code of its variant in `_ALPHABET`, or -1 when it has none."""
    result = np.full(len(_ALPHABET), -1, dtype=np.int64)
    offset = _EMPTY + 1 + (0 if mapping is HOMOPHONES else len(HOMOPHONES))
    for index, plain in enumerate(mapping):
        if plain in _CHARACTERS:
            result[_CHARACTERS.index(plain)] = offset + index
    return result


def _spoil_ids(
    keys: np.ndarray, kind: np.ndarray, code: dict[str, int], rng: np.random.Generator
) -> pa.Array:
    """The raw ID text of each record given its noise kind (vectorised over an (n, 18) byte matrix)."""
    n = len(keys)
    matrix = _text_matrix(idnumbers.id_numbers_from_keys(keys), 18)
    lengths = np.full(n, 18, dtype=np.int64)
    typo = np.flatnonzero(kind == code["typo"])
    position = rng.integers(0, 17, len(typo))
    digit = matrix[typo, position] - ord("0")
    matrix[typo, position] = (digit + rng.integers(1, 10, len(typo))) % 10 + ord("0")

    swap = np.flatnonzero(kind == code["transposition"])
    position = rng.integers(0, 16, len(swap))
    body = matrix[swap, :17]
    differs = body[:, :-1] != body[:, 1:]
    # where the chosen neighbours are equal, take the first differing pair instead
    same = ~differs[np.arange(len(swap)), position]
    position[same] = np.argmax(differs[same], axis=1)
    left = matrix[swap, position].copy()
    matrix[swap, position] = matrix[swap, position + 1]
    matrix[swap, position + 1] = left

    wrong = np.flatnonzero(kind == code["wrong_check"])
    current = np.searchsorted(_CHECK_CHARACTERS, matrix[wrong, 17])  # '0'..'9' < 'X' in ASCII
    matrix[wrong, 17] = _CHECK_CHARACTERS[(current + rng.integers(1, 11, len(wrong))) % 11]

    short = np.flatnonzero(kind == code["bad_length"])
    position = rng.integers(0, 18, len(short))
    columns_kept = np.arange(17)[None, :]
    columns_kept = columns_kept + (columns_kept >= position[:, None])  # skip the dropped column
    matrix[short, :17] = matrix[short[:, None], columns_kept]
    lengths[short] = 17

    fifteen = np.flatnonzero((kind == code["id_15"]) | (kind == code["typo_15"]))
    columns = np.r_[0:6, 8:17]
    matrix[fifteen, :15] = matrix[fifteen][:, columns]
    lengths[fifteen] = 15
    typo15 = np.flatnonzero(kind == code["typo_15"])
    position = rng.integers(0, 15, len(typo15))
    digit = matrix[typo15, position] - ord("0")
    matrix[typo15, position] = (digit + rng.integers(1, 10, len(typo15))) % 10 + ord("0")

    lengths[np.isin(kind, [code["missing"], code["outsider_missing"]])] = 0
    return _strings_from_matrix(matrix, lengths)
