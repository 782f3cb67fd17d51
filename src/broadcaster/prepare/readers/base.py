"""What every reader returns, and the bounds every reader keeps to.

A reader turns the bytes of one kind of document into lines in reading order
(headline first when the document has one). Cleaning (`text.clean`) happens
afterwards, the same way for every reader, so a .docx, a PDF and the
equivalent .txt give the same spoken text.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from broadcaster.errors import TextError

# Bounds. A village broadcast is minutes long; these are far above any real
# notice and far below what keeps the machine busy for minutes.
MAX_INPUT_BYTES = 64 * 1024 * 1024  # any file or download
MAX_PAGES = 1000  # PDF pages (a 200-page document reads in a few seconds)
MAX_XML_BYTES = 32 * 1024 * 1024  # one part of a .docx, uncompressed
MAX_ZIP_MEMBERS = 5000
MAX_SECONDS = 60.0  # wall time for one document, conversion included
MAX_DEPTH = 2000  # element nesting in HTML or a .docx


@dataclass(frozen=True)
class Document:
    """Lines in reading order, the reader that produced them, and notes for
    `--explain` and the manifest (e.g. a table that was skipped)."""

    lines: tuple[str, ...]
    reader: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Article:
    """A cleaned article: `text` is headline first, one paragraph a line."""

    text: str
    reader: str
    notes: tuple[str, ...] = ()


class Deadline:
    """Wall-clock budget for reading one document; readers call `check()`
    between pages or paragraphs, so a hostile file fails in seconds."""

    def __init__(self, where: str, seconds: float | None = None):
        self.where = where
        self.seconds = MAX_SECONDS if seconds is None else seconds
        self.end = time.monotonic() + self.seconds

    def left(self) -> float:
        return max(0.1, self.end - time.monotonic())

    def check(self) -> None:
        if time.monotonic() > self.end:
            raise TextError(f"gave up reading after {self.seconds:g} s: the document is too large or malformed", where=self.where)


def read_file(path: Path, limit: int | None = None) -> bytes:
    """A local file's bytes (at most `limit` + 1, so the caller can tell it is
    too large), or one TextError naming the file."""
    try:
        with Path(path).open("rb") as fh:
            return fh.read(-1 if limit is None else limit + 1)
    except FileNotFoundError:
        raise TextError("file not found", where=str(path)) from None
    except IsADirectoryError:
        raise TextError("this is a directory, not a document", where=str(path)) from None
    except OSError as exc:
        raise TextError(f"cannot read the file: {exc.strerror or exc}", where=str(path)) from None
