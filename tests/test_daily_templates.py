"""Dated templates ({date}, {weekday}, {lunar}, {station}) and --date, on fixed dates."""
from __future__ import annotations

import datetime as dt

import pytest
from support import write_script

from broadcaster.script.templates import TemplateContext, TemplateError, fill, lunar_date
from broadcaster.render import default_out_dir
from broadcaster.script import load_script

DAY = dt.date(2026, 11, 30)  # a Monday; 农历十月廿二


@pytest.mark.parametrize("day, month, lunar_day, spoken", [
    (dt.date(2024, 2, 10), 1, 1, "农历正月初一"),   # Spring Festival 2024
    (dt.date(2023, 1, 22), 1, 1, "农历正月初一"),   # Spring Festival 2023
    (dt.date(2025, 1, 29), 1, 1, "农历正月初一"),   # Spring Festival 2025
    (dt.date(2024, 9, 17), 8, 15, "农历八月十五"),  # Mid-Autumn 2024
    (dt.date(2023, 3, 22), -2, 1, "农历闰二月初一"),  # the leap second month of 2023
    (dt.date(2024, 6, 10), 5, 5, "农历五月初五"),   # Dragon Boat 2024
    (dt.date(2026, 11, 30), 10, 22, "农历十月二十二"),
])
def test_lunar_dates_match_known_festivals(day, month, lunar_day, spoken):
    assert lunar_date(day)[2:] == (month, lunar_day)
    assert fill("{lunar}", TemplateContext(day)) == spoken


def test_forms_and_format_options():
    context = TemplateContext(DAY, "湖东村广播站")
    assert fill("{date}|{date:full}|{date:iso}|{date:%Y%m%d}", context) == "11月30日|2026年11月30日|2026-11-30|20261130"
    assert fill("{weekday}|{weekday:short}", context) == "星期一|周一"
    assert fill("{lunar:short}|{lunar:year}", context) == "十月二十二|农历丙午年十月二十二"
    assert fill("{station}", context) == "湖东村广播站"
    assert fill("out/{date}-{weekday:short}", context, for_path=True) == "out/2026-11-30-周一"
    assert fill("{ 不是占位符 } {1}", context) == "{ 不是占位符 } {1}"  # only {ascii_word} is a placeholder
    assert [fill("{weekday}", TemplateContext(DAY + dt.timedelta(days=n))) for n in range(7)] == [
        "星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"]


@pytest.mark.parametrize("text, message", [
    ("{dat}", "unknown placeholder {dat}"),
    ("{date:long}", "unknown date format 'long'"),
    ("{weekday:x}", "unknown weekday format"),
    ("{station}", "{station} needs station:"),
])
def test_bad_templates_are_refused(text, message):
    with pytest.raises(TemplateError, match=message.replace("{", r"\{").replace("}", r"\}")):
        fill(text, TemplateContext(DAY))


def test_script_titles_texts_and_output_are_filled(tmp_path):
    script = write_script(tmp_path, (
        "title: '{station}{date}广播'\nstation: 湖东村广播站\noutput: 'out/{date}-{weekday:short}'\n"
        "voice: {engine: fake}\nitems:\n  - text: 今天是{date}，{weekday}，{lunar}。\n    title: '{date:full}'\n"))
    programme = load_script(script, DAY)
    assert programme.title == "湖东村广播站11月30日广播"
    assert programme.items[0].text == "今天是11月30日，星期一，农历十月二十二。"
    assert programme.items[0].title == "2026年11月30日"
    assert programme.output == tmp_path / "out" / "2026-11-30-周一"
    assert default_out_dir(programme) == programme.output  # where `render` writes without --out


def test_date_option_previews_any_day(tmp_path, run_cli, fake_engine):
    script = write_script(tmp_path, "title: 广播\ndate: 2026-11-30\nvoice: {engine: fake}\nitems:\n  - text: 今天是{date}，{weekday}，{lunar}。\n")
    code, out, err = run_cli("text", str(script), "--date", "2027-02-06")
    assert (code, err) == (0, "")
    assert out == "今天是二月六日，星期六，农历正月初一。\n"  # Spring Festival 2027
    code, out, _ = run_cli("text", str(script))  # the script's own date
    assert out == "今天是十一月三十日，星期一，农历十月二十二。\n"


def test_bad_template_and_bad_date_are_one_line_exit_2(tmp_path, run_cli, fake_engine):
    script = write_script(tmp_path, "title: 广播\nvoice: {engine: fake}\nitems:\n  - text: 今天是{today}。\n")
    code, _, err = run_cli("check", str(script))
    assert code == 2
    assert err == f"broadcaster: error: {script}:4: text: unknown placeholder {{today}}; allowed: {{date}}, {{weekday}}, {{lunar}}, {{station}}\n"
    code, _, err = run_cli("render", str(script), "--date", "2026-13-01")
    assert code == 2 and err == "broadcaster: error: --date: '2026-13-01' is not a date like 2026-11-30\n"
