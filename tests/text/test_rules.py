"""The normalisation rules one by one: every docstring example is a test,
plus the behaviours that need more than one line to show."""
from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

from broadcaster.prepare import prepare
from broadcaster.prepare.normalize import RULES, changes, normalize

MODULES = [
    "broadcaster.prepare.markers",
    "broadcaster.prepare.readers.layout",
    "broadcaster.prepare.normalize",
    "broadcaster.prepare.rules.codes",
    "broadcaster.prepare.rules.phones",
    "broadcaster.prepare.rules.units",
    "broadcaster.prepare.rules.counting",
    "broadcaster.prepare.rules.dates",
    "broadcaster.prepare.rules.times",
    "broadcaster.prepare.rules.marks",
    "broadcaster.prepare.rules.measures",
    "broadcaster.prepare.rules.money",
    "broadcaster.prepare.rules.web",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0


def test_every_rule_has_a_docstring_with_an_example():
    for rule in RULES:
        assert rule.__doc__ and ">>>" in rule.__doc__, rule.__name__


@pytest.mark.parametrize(
    "written, spoken",
    [
        ("功率1200Ω", "功率一千二百Ω"),  # an unknown unit: a quantity, never digit by digit
        ("转速3000rpm", "转速三千rpm"),
        ("含维生素D 400IU", "含维生素D四百IU"),
        ("面积12345㎡", "面积一万二千三百四十五平方米"),
        ("流量15000m³/h", "流量一万五千立方米每小时"),
    ],
)
def test_numbers_before_unknown_symbols_are_quantities(written, spoken):
    assert normalize(written) == spoken


@pytest.mark.parametrize(
    "written, spoken",
    [
        ("增长1.15倍", "增长一点一五倍"),  # a bare M.D is a number
        ("等于1.15", "等于一点一五"),
        ("高于3.12", "高于三点一二"),
        ("长3.15米", "长三点一五米"),
        ("1.5亿元", "一点五亿元"),  # not a list marker at the start of a line
        ("12-15天", "十二到十五天"),  # no leading zero: a range, not a date
        ("10-12个", "十到十二个"),
        ("3/4的村民", "四分之三的村民"),
        ("10-12岁", "十到十二岁"),
        ("举办讲座1200场", "举办讲座一千二百场"),  # 座 of 讲座 is not a building
        ("安置房2000套", "安置房两千套"),
        ("建了2栋3层小楼", "建了两栋三层小楼"),  # counted, not an address
        ("办公楼3000多平方米", "办公楼三千多平方米"),
        ("每天8:30后开放", "每天八点三十分后开放"),  # a time, not a generation
        ("3月20后截止", "三月二十后截止"),
    ],
)
def test_numbers_that_only_look_like_dates_or_markers(written, spoken):
    assert normalize(written) == spoken


def test_changes_name_the_rule_and_the_stretch():
    trace = []
    assert normalize("收费0.56元/度，80后", trace=trace) == "收费零点五六元每度，八零后"
    assert [(c.rule, c.written, c.spoken) for c in trace] == [
        ("generations", "80", "八零"),
        ("per_unit", "/", "每"),
        ("decimals", "0.56", "零点五六"),
    ]
    assert changes("x", "abc", "abc") == []


def test_plain_chinese_takes_the_fast_path_and_is_untouched():
    text = "各位村民请注意，今年冬季防火形势严峻。"
    trace = []
    assert normalize(text, trace=trace) == text and trace == []


@pytest.mark.parametrize("name", ["notice-issue14", "notice-issue25"])
def test_a_whole_village_notice_reads_as_an_announcer_would(name):
    """Every class at once, in a notice's own layout (headings, list items,
    rates, addresses, phone numbers and codes): prepare() on the text, each
    spoken segment compared exactly with the reviewed listing beside it."""
    here = Path(__file__).parent
    text = (here / f"{name}.txt").read_text(encoding="utf-8")
    spoken = [s.spoken for s in prepare(text, headline=True)]
    assert spoken == (here / f"{name}.spoken.txt").read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize(
    "text",
    ["（一）加强领导——周一~周五", "党员/群众、“线上+线下”", "ＡＢ型血，Ⅱ级响应", "《通知》（试行）——见附件", "零下三到五度，一百元/亩"],
)
def test_rules_skipped_without_digits_would_change_nothing(text):
    """normalize() skips the rules that only read ASCII digits when a text has
    none; running every rule gives the same text."""
    every = text
    for rule in RULES:
        every = rule(every)
    assert normalize(text) == every
