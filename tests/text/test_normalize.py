"""Normalisation: the shared case table, the project's extra table, and rules."""
from __future__ import annotations

import pytest

from broadcaster.prepare import normalize as N
from broadcaster.prepare.normalize import normalize

from text_helpers import HERE, SHARED, read_cases, squash

EXTRA = read_cases(HERE / "text-cases-extra.tsv")
ISSUE14 = HERE / "text-cases-issue14.tsv"
ISSUE25 = HERE / "text-cases-issue25.tsv"
SHARED_CASES = read_cases(SHARED / "text-cases.tsv") if (SHARED / "text-cases.tsv").is_file() else []


def _check(written: str, accepted: list[str]) -> None:
    got = normalize(written)
    assert squash(got) in {squash(a) for a in accepted}, f"{written!r} → {got!r}, expected one of {accepted}"


@pytest.mark.skipif(not SHARED_CASES, reason=f"shared case table not found under {SHARED}")
@pytest.mark.parametrize("written,accepted", SHARED_CASES, ids=[c[0] for c in SHARED_CASES] or None)
def test_shared_cases(written, accepted):
    _check(written, accepted)


@pytest.mark.parametrize("written,accepted", EXTRA, ids=[c[0] for c in EXTRA])
def test_extra_cases(written, accepted):
    _check(written, accepted)


@pytest.mark.parametrize("written,accepted", read_cases(ISSUE14), ids=[c[0] for c in read_cases(ISSUE14)])
def test_issue14_cases(written, accepted):
    _check(written, accepted)


@pytest.mark.parametrize("written,accepted", read_cases(ISSUE25), ids=[c[0] for c in read_cases(ISSUE25)])
def test_issue25_cases(written, accepted):
    _check(written, accepted)


def _cases_per_class(path) -> dict[str, int]:
    per_class: dict[str, int] = {}
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# class "):
            current = line.split(":")[0].removeprefix("# class ")
            per_class[current] = 0
        elif line.strip() and not line.startswith("#"):
            per_class[current] += 1
    return per_class


def test_issue14_table_has_five_cases_per_class():
    per_class = _cases_per_class(ISSUE14)
    assert sorted(per_class, key=int) == [str(n) for n in range(1, 13)]
    assert min(per_class.values()) >= 5, per_class


def test_issue25_table_has_several_cases_per_class():
    per_class = _cases_per_class(ISSUE25)
    assert sorted(per_class, key=int) == [str(n) for n in range(1, 12)]
    assert min(per_class.values()) >= 4, per_class


def test_extra_table_is_well_formed():
    assert len(EXTRA) >= 40
    assert all(w and all(a for a in acc) for w, acc in EXTRA)


@pytest.mark.parametrize(
    "rule,text,expected",
    [
        (N.decimals, "种植12.5亩", "种植十二点五亩"),
        (N.clock_times, "上午7:30集合", "上午七点三十分集合"),
        (N.currency, "￥120元", "120元"),
        (N.temperatures, "-5℃", "零下五摄氏度"),
        (N.ordinals, "第2名", "第二名"),
        (N.integers, "2个", "两个"),
        (N.integers, "12个", "十二个"),
        (N.phone_numbers, "13812345678", "幺三八幺二三四五六七八"),
        (N.fractions, "3/4", "四分之三"),
        (N.number_ranges, "5~10人", "五到十人"),
        (N.drop_thousands_separators, "1,2,3", "1,2,3"),
        (N.drop_unspeakable, "好😀", "好"),
    ],
)
def test_rules_one_by_one(rule, text, expected):
    assert rule(text) == expected


def test_rules_leave_plain_chinese_alone():
    s = "围绕十九届六中全会精神，用通俗易懂的语言宣传讲解各项政策。"
    assert normalize(s) == s


@pytest.mark.parametrize(
    "text",
    ["", "😀😀", "\x00\x07", "“没有结尾的引号", "Hello, world! 3.14159 x-1 a:b", "1.2.3.4", "%%%", "-", "：：", "1" * 40, "９９９"],
)
def test_never_crashes_and_leaves_no_ascii_digits(text):
    out = normalize(text)
    assert isinstance(out, str)
    assert not any(c in "0123456789" for c in out)


def test_no_wetext_date_reading_of_decimals():
    assert "月" not in normalize("共12.5")
