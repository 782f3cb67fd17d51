"""Today's articles from an inbox folder (`articles_from: inbox/`).

Staff drop files into the folder. A file belongs to the day named in its
file name (2026-11-30, 2026_11_30, 20261130 or 2026年11月30日), else to the
day it was last modified. The day's files are taken in name order, up to
`max_items`; after a successful daily render they move to
`inbox/done/<date>/`, and the files already there count as that day's too, so
a second run the same day builds the same programme.

A file that cannot be read (damaged, empty, not a document) is skipped with a
warning: one bad upload never costs the village its broadcast.

    >>> file_date(Path("2026-11-30-通知.txt"))
    datetime.date(2026, 11, 30)
    >>> file_date(Path("通知20261130.docx"))
    datetime.date(2026, 11, 30)
"""
from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

DONE = "done"
# Digits not glued to other digits: 2026-11-30, 2026_11_30, 2026.11.30, 20261130.
_ISO_LIKE = re.compile(r"(?<!\d)(20\d\d)([-_.]?)(\d\d)\2(\d\d)(?!\d)")
_WRITTEN = re.compile(r"(20\d\d)年(\d{1,2})月(\d{1,2})日")


@dataclass(frozen=True)
class Selection:
    paths: tuple[Path, ...]  # the day's readable articles, in name order, at most max_items
    warnings: tuple[str, ...] = ()


def _named_date(name: str) -> dt.date | None:
    for pattern, groups in ((_WRITTEN, (1, 2, 3)), (_ISO_LIKE, (1, 3, 4))):
        for match in pattern.finditer(name):
            try:
                return dt.date(*(int(match.group(g)) for g in groups))
            except ValueError:  # 20261399 is a number, not a date
                continue
    return None


def file_date(path: Path) -> dt.date:
    """The day a file is for: named in it, else its modification day (local time)."""
    named = _named_date(path.name)
    if named is not None:
        return named
    return dt.datetime.fromtimestamp(path.stat().st_mtime).date()


def done_folder(inbox: Path, day: dt.date) -> Path:
    return inbox / DONE / day.isoformat()


def _candidates(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    # Hidden files and Office's lock files (~$通知.docx) are not articles being dropped.
    return [p for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "~$"))]


def _readable(path: Path) -> str | None:
    """None if the article reads and has something to say, else the reason."""
    from broadcaster.errors import InputError
    from broadcaster.prepare.pipeline import open_article

    try:
        article = open_article(path)
    except InputError as exc:
        return exc.message
    return None if article.text.strip() else "nothing to say"


def select_articles(inbox: Path, day: dt.date, *, max_items: int | None = None, suffixes: tuple[str, ...] = (),
                    check: Callable[[Path], str | None] = _readable) -> Selection:
    """The articles for `day`: dated files in `inbox` plus those already done for `day`.

    A file of the same name in both places is taken from the inbox (staff put
    a corrected version in)."""
    by_name: dict[str, Path] = {p.name: p for p in _candidates(done_folder(inbox, day))}
    for path in _candidates(inbox):
        if file_date(path) == day:
            by_name[path.name] = path
    chosen: list[Path] = []
    warnings: list[str] = []
    for name in sorted(by_name):
        path = by_name[name]
        if suffixes and path.suffix.lower() not in suffixes:
            warnings.append(f"{path}: skipped: not an article ({'/'.join(suffixes)})")
            continue
        problem = check(path)
        if problem is not None:
            warnings.append(f"{path}: skipped: {problem}")
            continue
        if max_items is not None and len(chosen) >= max_items:
            warnings.append(f"{path}: left out: max_items is {max_items}")
            continue
        chosen.append(path)
    return Selection(tuple(chosen), tuple(warnings))


def move_to_done(paths: tuple[Path, ...] | list[Path], inbox: Path, day: dt.date) -> list[Path]:
    """Move the day's processed files from the inbox to done/<date>/ (renames, same disk)."""
    target = done_folder(inbox, day)
    moved = []
    for path in paths:
        if path.parent.resolve() != inbox.resolve():
            continue  # already in done/
        target.mkdir(parents=True, exist_ok=True)
        os.replace(path, target / path.name)
        moved.append(target / path.name)
    return moved
