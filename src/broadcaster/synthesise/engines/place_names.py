"""Place names that keep old readings: 六安 lù'ān, 蚌埠 bèngbù, 铅山 yánshān.

The table (`broadcaster/data/place_names.tsv`, built by
scripts/build_place_names.py from cpca's county list with CC-CEDICT's
readings; licence in data/LICENSE-place-names) holds only names whose
reading differs from pypinyin's. A name is matched where a word starts, and
ends where a word ends or before a suffix (六安市, 丽水人), so 美丽水乡 is not
丽水.

    >>> find_places("他在六安市工作", {0, 1, 2, 5}, {1, 2, 5, 7})
    [(2, 4, '六安', ('lu4', 'an1'))]
"""
from __future__ import annotations

import importlib.resources as resources
from functools import lru_cache

SUFFIXES = frozenset("市县区州镇乡村人旗盟山")


@lru_cache(maxsize=1)
def place_table() -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    """First character → [(name, syllables)], longest name first."""
    text = (resources.files("broadcaster") / "data" / "place_names.tsv").read_text(encoding="utf-8")
    by_first: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name, reading = line.split("\t")
        by_first.setdefault(name[0], []).append((name, tuple(reading.split())))
    for names in by_first.values():
        names.sort(key=lambda item: -len(item[0]))
    return by_first


def find_places(chars: str, word_starts: set[int], word_ends: set[int]) -> list[tuple[int, int, str, tuple[str, ...]]]:
    """(start, end, name, syllables) of each place name in `chars`."""
    table = place_table()
    found = []
    i = 0
    while i < len(chars):
        for name, syllables in table.get(chars[i], ()) if i in word_starts else ():
            j = i + len(name)
            if chars.startswith(name, i) and (j in word_ends or chars[j:j + 1] in SUFFIXES and j < len(chars)):
                found.append((i, j, name, syllables))
                i = j - 1
                break
        i += 1
    return found
