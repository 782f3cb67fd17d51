"""Today's articles from an inbox (`articles_from:`): which files, in what order, what is skipped."""
from __future__ import annotations

import datetime as dt
import os

from support import write_script

from broadcaster.script.inbox import file_date, move_to_done, select_articles
from broadcaster.script import load_script
from broadcaster.script.items import ARTICLE_SUFFIXES

DAY = dt.date(2026, 11, 30)


def _touch(path, text="通知\n\n请各位村民按时参加会议。\n", day=None):
    path.write_text(text, encoding="utf-8")
    if day is not None:
        stamp = dt.datetime.combine(day, dt.time(9, 0)).timestamp()
        os.utime(path, (stamp, stamp))
    return path


def test_file_date_from_name_else_modification_time(tmp_path):
    assert file_date(tmp_path / "2026-11-30-a.txt") == DAY
    assert file_date(tmp_path / "b_2026_11_30.txt") == DAY
    assert file_date(tmp_path / "通知20261130.docx") == DAY
    assert file_date(tmp_path / "2026年11月30日通知.txt") == DAY
    assert file_date(_touch(tmp_path / "20261399-not-a-date.txt", day=dt.date(2026, 11, 29))) == dt.date(2026, 11, 29)
    assert file_date(_touch(tmp_path / "通知.txt", day=DAY)) == DAY


def test_selection_order_max_items_and_skips(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _touch(inbox / "2026-11-30-b.txt")
    _touch(inbox / "2026-11-30-a.txt")
    _touch(inbox / "2026-11-29-yesterday.txt")
    _touch(inbox / "c-undated.txt", day=DAY)
    _touch(inbox / "d-undated-old.txt", day=dt.date(2026, 11, 20))
    _touch(inbox / "2026-11-30-empty.txt", text="")
    (inbox / "2026-11-30-photo.jpg").write_bytes(b"\xff\xd8\xff\xe0")
    _touch(inbox / "~$2026-11-30-a.txt")  # Word's lock file
    _touch(inbox / "e-2026-11-30.txt")
    selection = select_articles(inbox, DAY, max_items=3, suffixes=ARTICLE_SUFFIXES)
    assert [p.name for p in selection.paths] == ["2026-11-30-a.txt", "2026-11-30-b.txt", "c-undated.txt"]
    assert len(selection.warnings) == 3
    assert selection.warnings[0].startswith(f"{inbox / '2026-11-30-empty.txt'}: skipped: ")
    assert selection.warnings[1] == f"{inbox / '2026-11-30-photo.jpg'}: skipped: not an article ({'/'.join(ARTICLE_SUFFIXES)})"
    assert selection.warnings[2] == f"{inbox / 'e-2026-11-30.txt'}: left out: max_items is 3"


def test_done_files_count_for_their_day_and_inbox_wins(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    a = _touch(inbox / "2026-11-30-a.txt")
    moved = move_to_done([a], inbox, DAY)
    assert moved == [inbox / "done" / "2026-11-30" / "2026-11-30-a.txt"] and not a.exists()
    _touch(inbox / "2026-11-30-b.txt")
    assert [p.relative_to(inbox).as_posix() for p in select_articles(inbox, DAY).paths] == [
        "done/2026-11-30/2026-11-30-a.txt", "2026-11-30-b.txt"]
    _touch(inbox / "2026-11-30-a.txt", text="通知\n\n更正后的通知。\n")  # a corrected version dropped again
    assert [p.relative_to(inbox).as_posix() for p in select_articles(inbox, DAY).paths] == [
        "2026-11-30-a.txt", "2026-11-30-b.txt"]
    assert select_articles(inbox, dt.date(2026, 12, 1)).paths == ()


def test_script_expands_articles_from_into_article_items(tmp_path, run_cli, fake_engine):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _touch(inbox / "2026-11-30-a.txt", "防火通知\n\n冬季请注意防火。\n")
    _touch(inbox / "2026-11-30-bad.txt", "")
    script = write_script(tmp_path, ("title: 广播\nvoice: {engine: fake}\nitems:\n  - text: 开始广播。\n"
                                     "  - articles_from: inbox/\n    repeat: 2\n  - text: 广播完毕。\n"))
    programme = load_script(script, DAY)
    assert [(i.index, i.kind, i.repeat) for i in programme.items] == [(1, "text", 1), (2, "article", 2), (3, "text", 1)]
    assert programme.inbox_articles == ((inbox, inbox / "2026-11-30-a.txt"),)
    assert len(programme.warnings) == 1 and "2026-11-30-bad.txt: skipped" in programme.warnings[0]
    code, out, err = run_cli("text", str(script), "--date", "2026-12-01")  # no articles that day: the fixed part
    assert (code, out) == (0, "开始广播。\n广播完毕。\n")
    code, _, err = run_cli("check", str(script), "--date", "2026-11-30")
    assert code == 0 and err.startswith("warning: ") and "2026-11-30-bad.txt: skipped" in err


def test_bad_articles_from_is_one_line(tmp_path, run_cli, fake_engine):
    script = write_script(tmp_path, "title: 广播\nvoice: {engine: fake}\nitems:\n  - text: 开始。\n  - articles_from: nowhere/\n")
    code, _, err = run_cli("check", str(script))
    assert code == 2 and err == f"broadcaster: error: {script}:5: items[2].articles_from: folder not found: nowhere/\n"
    (tmp_path / "inbox").mkdir()
    script = write_script(tmp_path, "title: 广播\nvoice: {engine: fake}\nitems:\n  - text: 开始。\n  - articles_from: inbox/\n    max_items: 0\n")
    code, _, err = run_cli("check", str(script))
    assert code == 2 and err == f"broadcaster: error: {script}:6: items[2].max_items: must be a whole number from 1 to 50\n"
