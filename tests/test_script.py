"""Script loading: typed values from good scripts, one precise line for bad ones."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from broadcaster.errors import ScriptError
from broadcaster.script import load_script
from support import write_script

GOOD = """\
title: 溱潼镇党员冬训专题广播
date: 2022-01-27
station: 溱潼镇广播站
voice: {engine: kokoro, name: jf_alpha, rate: "+0%"}
lexicon: {溱潼: 琴潼}
items:
  - jingle: chime
  - text: 各位村民请注意，现在开始广播。
  - article: news.txt
    title: 冬训
    repeat: 2
  - pause: 2
  - text: 以上是今天的广播。
    voice: {name: jm_kumo}
"""


def test_good_script_loads_into_typed_items(tmp_path):
    (tmp_path / "news.txt").write_text("标题\n正文第一段。", encoding="utf-8")
    p = load_script(write_script(tmp_path, GOOD))
    assert p.title == "溱潼镇党员冬训专题广播"
    assert p.date == dt.date(2022, 1, 27)
    assert p.station == "溱潼镇广播站"
    assert [i.kind for i in p.items] == ["jingle", "text", "article", "pause", "text"]
    assert p.items[2].path == (tmp_path / "news.txt").resolve()
    assert p.items[2].repeat == 2
    assert p.items[3].duration_s == 2.0
    assert p.items[4].voice.name == "jm_kumo" and p.items[4].voice.engine == "kokoro"
    assert p.items[1].voice.name == "jf_alpha"
    assert p.lexicon == {"溱潼": "琴潼"}
    assert p.fallback == ("kokoro",)


def test_date_defaults_to_today(tmp_path):
    p = load_script(write_script(tmp_path, "title: t\nitems:\n  - text: 你好，各位村民。\n"))
    assert p.date == dt.date.today()


@pytest.mark.parametrize(
    "body, expected",
    [
        ("title: t\ncolour: red\nitems:\n  - text: 你好\n", "script.yaml:2: colour: unknown key"),
        ("items:\n  - text: 你好\n", "script.yaml:1: title: is required"),
        ("title: t\nitems: []\n", "script.yaml:2: items: the programme has nothing to say"),
        ("title: t\nitems:\n  - jingle: chime\n", "script.yaml:2: items: the programme has nothing to say"),
        ("title: t\nitems:\n  - text: 你好\n  - pause: soon\n", "script.yaml:4: items[2].pause: must be a number of seconds"),
        ("title: t\nitems:\n  - text: 你好\n  - pause: -1\n", "script.yaml:4: items[2].pause: must be between"),
        ("title: t\nitems:\n  - article: missing.txt\n", "script.yaml:3: items[1].article: file not found: missing.txt"),
        ("title: t\nitems:\n  - text: 你好\n    volume: 3\n", "script.yaml:4: items[1].volume: unknown key"),
        ("title: t\nitems:\n  - text: 你好\n    pause: 1\n", "script.yaml:3: items[1]: needs exactly one of"),
        ("title: t\nvoice: {rate: fast}\nitems:\n  - text: 你好\n", "script.yaml:2: voice.rate: rate must look like"),
        ("title: t\nitems:\n  - text: 你好\n    repeat: 9\n", "script.yaml:4: items[1].repeat: must be a whole number from 1 to 5"),
        ("title: t\nitems:\n  - jingle: horn\n", "script.yaml:3: items[1].jingle: horn: expected a"),
        ("title: t\ndate: tomorrow\nitems:\n  - text: 你好\n", "script.yaml:2: date: must be a date"),
        ("title: t\ntitle: u\nitems:\n  - text: 你好\n", "script.yaml:2: duplicate key 'title'"),
        ("title: !!python/object/apply:os.system [ls]\nitems: []\n", "script.yaml:1: invalid YAML: could not determine a constructor"),
        ("title: [unclosed\n", "script.yaml:2: invalid YAML"),
        ("- just\n- a list\n", "script.yaml:1: a script is a mapping"),
    ],
)
def test_bad_scripts_name_file_line_and_key(tmp_path, body, expected):
    path = write_script(tmp_path, body)
    with pytest.raises(ScriptError) as info:
        load_script(path)
    message = str(info.value).replace(str(path), "script.yaml")
    assert message.startswith(expected), message


def test_missing_script_file(tmp_path):
    with pytest.raises(ScriptError, match="script file not found"):
        load_script(tmp_path / "nope.yaml")


def test_cli_bad_script_exit_2_one_line_no_traceback(tmp_path):
    path = write_script(tmp_path, "title: t\nitems:\n  - text: 你好\n  - pause: soon\n")
    proc = subprocess.run([sys.executable, "-m", "broadcaster", "check", str(path)], capture_output=True, text=True)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0] == f"broadcaster: error: {path}:4: items[2].pause: must be a number of seconds"
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_cli_debug_shows_traceback(tmp_path):
    path = write_script(tmp_path, "title: t\nitems: []\n")
    proc = subprocess.run([sys.executable, "-m", "broadcaster", "--debug", "check", str(path)], capture_output=True, text=True)
    assert proc.returncode != 0
    assert "Traceback" in proc.stderr


def test_cli_usage_error_exits_2():
    proc = subprocess.run([sys.executable, "-m", "broadcaster", "render"], capture_output=True, text=True)
    assert proc.returncode == 2


@pytest.mark.parametrize(
    "block, expected",
    [
        ("pauses: {sentense: 0.6}\n", "script.yaml:2: pauses.sentense: unknown key"),
        ("pauses: 3\n", "script.yaml:2: pauses: must be a mapping"),
        ("pauses: {item: long}\n", "script.yaml:2: pauses.item: must be a number of seconds"),
        ("segments: {max_chars: 8, min_chars: 6}\n", "script.yaml:2: segments: max_chars must be at least twice min_chars"),
        ("segments: {max_chars: 4.5}\n", "script.yaml:2: segments.max_chars: must be a whole number"),
    ],
)
def test_settings_blocks(tmp_path, block, expected):
    path = write_script(tmp_path, "title: t\n" + block + "items:\n  - text: 你好\n")
    with pytest.raises(ScriptError) as info:
        load_script(path)
    assert str(info.value).replace(str(path), "script.yaml").startswith(expected)


def test_settings_blocks_are_applied(tmp_path):
    path = write_script(tmp_path, "title: t\npauses: {sentence: 0.6, item: 2}\nsegments: {max_chars: 40, min_chars: 4}\nitems:\n  - text: 你好\n")
    p = load_script(path)
    assert (p.pauses.sentence_s, p.pauses.item_s, p.pauses.paragraph_s) == (0.6, 2.0, 0.9)
    assert (p.limits.max_chars, p.limits.min_chars) == (40, 4)
