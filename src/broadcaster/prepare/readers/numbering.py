"""Word's automatic list numbering, computed the way Word shows it.

In a .docx the "一、", "（一）" and "1." in front of a numbered paragraph are
not in the text: the paragraph only says "list 3, level 1", and numbering.xml
says how that level is counted (`numFmt`) and written (`lvlText`, e.g.
"（%2）"). Readers that copy the text drop those numbers, and a broadcast
then loses its structure, so we count them ourselves.

>>> format_number(12, "chineseCounting"), format_number(3, "decimalEnclosedCircle")
('十二', '③')
"""
from __future__ import annotations

import re
from xml.etree.ElementTree import Element

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DIGITS = "零一二三四五六七八九"
_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_STEMS = "甲乙丙丁戊己庚辛壬癸"
_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"


def chinese_number(n: int, digits: str = _DIGITS) -> str:
    """1 → 一, 10 → 十, 21 → 二十一, 105 → 一百零五 (list numbers stay small);
    with the financial digits 壹贰叁, 12 → 壹拾贰.

    >>> [chinese_number(n) for n in (1, 10, 11, 20, 101, 110)]
    ['一', '十', '十一', '二十', '一百零一', '一百一十']
    """
    legal = digits is _LEGAL
    ten, hundred = ("拾", "佰") if legal else ("十", "百")
    if n < 10:
        return digits[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 and not legal else digits[tens]) + ten + (digits[ones] if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        if rest == 0:
            tail = ""
        elif rest < 10:
            tail = digits[0] + digits[rest]
        else:  # 一百一十: the 一 before 十 is said after a hundred
            tail = (digits[1] if rest < 20 and not legal else "") + chinese_number(rest, digits)
        return digits[hundreds] + hundred + tail
    return str(n)


def _roman(n: int) -> str:
    out = ""
    for value, sym in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                       (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + sym, n - value
    return out


def _letters(n: int) -> str:
    # Word repeats the letter: a … z, aa … zz
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def format_number(n: int, fmt: str) -> str:
    """One counter in one of Word's number formats (unknown formats: decimal)."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting", "taiwaneseCounting",
               "taiwaneseCountingThousand", "koreanCounting"):
        return chinese_number(n)
    if fmt in ("chineseLegalSimplified", "ideographLegalTraditional"):
        return chinese_number(n, _LEGAL)
    if fmt == "ideographTraditional":
        return _STEMS[(n - 1) % 10]
    if fmt == "ideographZodiac":
        return _BRANCHES[(n - 1) % 12]
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if fmt == "decimalFullWidth":
        return "".join(chr(ord(c) + 0xFEE0) for c in str(n))
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "lowerLetter":
        return _letters(n)
    if fmt == "upperLetter":
        return _letters(n).upper()
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "upperRoman":
        return _roman(n)
    return str(n)


def _val(el: Element | None, tag: str) -> str | None:
    child = el.find(W + tag) if el is not None else None
    return None if child is None else child.get(W + "val")


class Numbering:
    """Counters for one document; `label(num_id, ilvl)` is called once per
    numbered paragraph, in document order, and returns e.g. "（二）"."""

    def __init__(self, numbering: Element | None):
        self.abstract: dict[str, dict[int, Element]] = {}
        self.nums: dict[str, tuple[str, dict[int, int], dict[int, Element]]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        self.started: set[str] = set()
        if numbering is None:
            return
        for a in numbering.findall(W + "abstractNum"):
            self.abstract[a.get(W + "abstractNumId", "")] = {int(l.get(W + "ilvl", "0")): l for l in a.findall(W + "lvl")}
        for num in numbering.findall(W + "num"):
            starts, lvls = {}, {}
            for o in num.findall(W + "lvlOverride"):
                ilvl = int(o.get(W + "ilvl", "0"))
                if (s := _val(o, "startOverride")) is not None and s.isdigit():
                    starts[ilvl] = int(s)
                if (lvl := o.find(W + "lvl")) is not None:
                    lvls[ilvl] = lvl
            self.nums[num.get(W + "numId", "")] = (_val(num, "abstractNumId") or "", starts, lvls)

    def _level(self, num_id: str, ilvl: int) -> Element | None:
        abstract_id, _, lvls = self.nums[num_id]
        return lvls.get(ilvl) or self.abstract.get(abstract_id, {}).get(ilvl)

    def label(self, num_id: str, ilvl: int) -> str:
        if num_id not in self.nums:
            return ""  # numId 0 (numbering switched off) or a dangling reference
        abstract_id, starts, _ = self.nums[num_id]
        lvl = self._level(num_id, ilvl)
        if lvl is None:
            return ""
        # Lists that share an abstract definition share counters (Word
        # continues them), unless this list restarts a level with startOverride.
        counters = self.counters.setdefault(abstract_id, {})
        if num_id not in self.started:
            self.started.add(num_id)
            for level, start in starts.items():
                counters[level] = start - 1
        start = int(_val(lvl, "start") or "1")
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]  # Word's default: a level restarts after any level above it
        fmt = _val(lvl, "numFmt") or "decimal"
        if fmt == "bullet":
            return ""  # a bullet is not read aloud
        text = _val(lvl, "lvlText") or ""
        legal = lvl.find(W + "isLgl") is not None

        def number(m: re.Match) -> str:
            level = int(m.group(1)) - 1
            sub = self._level(num_id, level)
            n = counters.get(level, int(_val(sub, "start") or "1") if sub is not None else 1)
            sub_fmt = (_val(sub, "numFmt") or "decimal") if sub is not None else "decimal"
            return format_number(n, "decimal" if legal else sub_fmt)  # isLgl: 1.1, not 一.1

        return re.sub(r"%([1-9])", number, text) if fmt != "none" else re.sub(r"%[1-9]", "", text)
