"""Normalisation for reading aloud: written forms → what a Mandarin announcer says.

`normalize(text)` runs `RULES` in order. Each rule is a small pure function
``str -> str`` with a docstring example (they live in `text/rules/`, grouped
by topic); each turns the forms it knows into Chinese characters, so later
(more general) rules never see them again. The order is the point: addresses
and codes before dates, dates before times before ranges before decimals
before plain integers. `normalize(text, trace=[])` also records which rule
changed what, for `broadcaster text --explain`.

Why not just `wetext`? It reads most forms right, but on its own it reads
种植12.5亩 as 十二月五日亩, 7:30集合 as 七比三零集合, ￥120元 as 一元二十元,
-5℃ as 负五 and 第2名 as 第两名, and it is slow on long strings (quadratic:
6 s for 14 000 characters with numbers). So the rules here read every number
themselves, Latin units included (`rules.units`, case-sensitive where the
case changes the unit), and wetext is not loaded at all.
"""
from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Callable, NamedTuple

from broadcaster.prepare.rules.codes import (
    address_codes,
    alphanumeric_codes,
    commemorative_days,
    document_numbers,
    dotted_names,
    generations,
    licence_plates,
    model_names,
    room_numbers,
    standard_codes,
)
from broadcaster.prepare.rules.counting import (
    decimals,
    drop_thousands_separators,
    fractions,
    integers,
    negative_numbers,
    number_ranges,
    ordinals,
    ratios,
    scores,
    unit_ranges,
)
from broadcaster.prepare.rules.dates import date_ranges, date_zeros, month_days, month_years, numeric_dates, year_months, years
from broadcaster.prepare.rules.marks import (
    comparison_signs,
    drop_unspeakable,
    fullwidth_to_ascii,
    list_markers,
    symbol_units,
    symbols,
    tidy_spaces,
)
from broadcaster.prepare.rules.measures import per_unit, percentages, temperatures
from broadcaster.prepare.rules.money import currency, discounts, money_decimals
from broadcaster.prepare.rules.phones import context_codes, extensions, hotlines, ip_addresses, masked_numbers, phone_numbers
from broadcaster.prepare.rules.times import clock_times, hours, time_of_day
from broadcaster.prepare.rules.units import latin_units
from broadcaster.prepare.rules.web import email_addresses, web_addresses

Rule = Callable[[str], str]

RULES: tuple[Rule, ...] = (
    drop_unspeakable,
    fullwidth_to_ascii,
    symbol_units,
    list_markers,
    email_addresses,  # before anything reads the digits or dots in them
    web_addresses,
    comparison_signs,
    licence_plates,  # before hotlines: 苏A·12345 is a plate
    ip_addresses,  # before dates and dotted names: 192.168.10.1
    masked_numbers,  # 138****5678
    context_codes,  # before phones: a card in groups of four may hold 0515 8832
    phone_numbers,
    extensions,
    hotlines,
    drop_thousands_separators,  # after hotlines: 12,345 was written as a count
    document_numbers,
    standard_codes,
    model_names,
    address_codes,
    scores,  # before dates and ranges: 以2-1战胜
    room_numbers,
    generations,
    commemorative_days,
    currency,
    discounts,
    money_decimals,
    time_of_day,
    temperatures,
    numeric_dates,
    date_zeros,
    year_months,
    month_years,
    month_days,
    years,
    clock_times,
    hours,
    date_ranges,  # after clock_times: 8:00—下午5:30 has its 点 by then
    ratios,
    percentages,
    dotted_names,  # after dates: 2022.01.27 is a date, 3.2.1 a section
    latin_units,
    per_unit,
    fractions,
    unit_ranges,
    number_ranges,
    alphanumeric_codes,
    negative_numbers,
    decimals,
    ordinals,
    integers,
    symbols,
    tidy_spaces,
)

# Text made only of these needs no rule: most sentences of an article.
_PLAIN = re.compile(r"[\u4e00-\u9fff，。、；：？！“”‘’《》「」『』…]*")  # no dashes: 周一—周五


# Rules that change nothing in a text without an ASCII digit: skipped there
# (most sentences of a notice with a bracket or a dash but no number).
_NEEDS_DIGIT = frozenset({
    licence_plates, ip_addresses, masked_numbers, context_codes, phone_numbers, extensions, hotlines,
    drop_thousands_separators, document_numbers, standard_codes, model_names, address_codes, scores, room_numbers,
    generations, commemorative_days, currency, discounts, money_decimals, time_of_day, temperatures,
    numeric_dates, date_zeros, year_months, month_years, month_days, years, clock_times, hours, ratios, percentages,
    dotted_names, latin_units, fractions, unit_ranges, number_ranges, alphanumeric_codes, negative_numbers,
    decimals, ordinals, integers,
})
_DIGIT = re.compile(r"[0-9]")


class Change(NamedTuple):
    """One rewrite made by one rule, for `--explain`."""

    rule: str
    written: str
    spoken: str


def normalize(text: str, rules: tuple[Rule, ...] = RULES, trace: list[Change] | None = None) -> str:
    """Written text → spoken text; with `trace`, append what each rule changed.

    >>> normalize("会议于2023-05-08召开")
    '会议于二零二三年五月八日召开'
    >>> trace = []; _ = normalize("气温≥35℃", trace=trace); [c.rule for c in trace]
    ['comparison_signs', 'temperatures']
    """
    if _PLAIN.fullmatch(text):
        return text
    has_digit = True  # rules turn digits into words, never words into digits
    for rule in rules:
        if rule in _NEEDS_DIGIT and not (has_digit := has_digit and _DIGIT.search(text) is not None):
            continue
        new = rule(text)
        if trace is not None and new != text:
            trace.extend(changes(rule.__name__, text, new))
        text = new
    return text


def changes(rule: str, old: str, new: str) -> list[Change]:
    """The stretches that differ between two forms of a text, as Changes;
    stretches closer than two unchanged characters are shown as one.

    >>> changes("decimals", "种植12.5亩", "种植十二点五亩")
    [Change(rule='decimals', written='12.5', spoken='十二点五')]
    """
    ops = [op for op in SequenceMatcher(None, old, new, autojunk=False).get_opcodes() if op[0] != "equal"]
    merged: list[list[int]] = []
    for _, a0, a1, b0, b1 in ops:
        if merged and a0 - merged[-1][1] < 2 and b0 - merged[-1][3] < 2:
            merged[-1][1], merged[-1][3] = a1, b1
        else:
            merged.append([a0, a1, b0, b1])
    return [Change(rule, old[a0:a1], new[b0:b1]) for a0, a1, b0, b1 in merged]
