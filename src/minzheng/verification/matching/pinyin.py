"""Pinyin of personal names (姓名拼音) for blocking and comparison, computed once per distinct name.

A departmental clerk types 张玮 for 张伟, or a Taiwan-style system stores 張偉: the characters differ,
the sound does not. We compare the toneless pinyin of the whole name (``zhangwei``).

The reading of each character comes from pypinyin, asked once per distinct *character* (a city has a
few thousand) and cached; a name's pinyin is the concatenation of its characters' readings, computed
once per distinct *name* and spread back to the rows by an Arrow dictionary. Reading characters one
by one (rather than pypinyin's phrase segmentation) is deliberate: the same character always gets the
same reading, on both sides of a comparison, whatever its neighbours; that consistency is what
matching needs, and it is a hundred times faster than segmenting every distinct name.
"""

from __future__ import annotations

import functools

import pyarrow as pa
import pyarrow.compute as pc
from pypinyin import Style, lazy_pinyin

_SEPARATORS = frozenset(" ·•・.-_\u3000")
"""Spaces and the middle dots of minority names (阿卜杜·买买提): ignored."""


@functools.lru_cache(maxsize=65536)
def character_pinyin(character: str) -> str:
    """Toneless pinyin of one character; ASCII letters and digits lower-cased; separators dropped."""
    if character in _SEPARATORS:
        return ""
    if character.isascii():
        return character.lower() if character.isalnum() else ""
    readings = lazy_pinyin(character, style=Style.NORMAL, errors="default")
    reading = readings[0] if readings else character
    return reading.replace("ü", "v")


def name_pinyin(name: str) -> str:
    """Toneless pinyin of a whole name, without spaces: 张伟 → zhangwei, 張偉 → zhangwei."""
    return "".join(character_pinyin(character) for character in name)


def pinyin_of_names(names: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Pinyin for every element of `names` (nulls stay null), computed once per distinct name."""
    if isinstance(names, pa.ChunkedArray):
        names = names.combine_chunks()
    encoded = pc.dictionary_encode(names)
    distinct = encoded.dictionary.to_pylist()
    readings = pa.array([name_pinyin(name) for name in distinct], pa.string())
    return readings.take(encoded.indices)


def pinyin_table(names: pa.Array | pa.ChunkedArray) -> pa.Table:
    """A lookup table (name, name_pinyin) over the distinct non-null names given."""
    if isinstance(names, pa.ChunkedArray):
        names = names.combine_chunks()
    distinct = pc.unique(pc.drop_null(names))
    return pa.table({"name": distinct, "name_pinyin": pinyin_of_names(distinct)})
