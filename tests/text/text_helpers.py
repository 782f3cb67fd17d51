"""Helpers shared by the text front-end tests (imported as a plain module)."""
from __future__ import annotations

import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SHARED = (REPO / ".." / "shared").resolve()
FIXTURES = HERE / "fixtures"
GOLDEN = HERE / "golden"


def squash(s: str) -> str:
    """Compare spoken forms the way the case tables say: no white space, 〇 = 零."""
    return "".join(s.split()).replace("〇", "零")


def read_cases(path: Path) -> list[tuple[str, list[str]]]:
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        written, spoken = line.split("\t")
        cases.append((written, spoken.split("|")))
    return cases




UPDATE_GOLDEN = os.environ.get("UPDATE_GOLDEN") == "1"  # regenerate: UPDATE_GOLDEN=1 pytest tests/text


def spoken_listing(text: str) -> str:
    """An article's segments as a golden file holds them: break, tab, spoken form."""
    from broadcaster.prepare import prepare

    return "".join(f"{s.break_after.value}\t{s.spoken}\n" for s in prepare(text, headline=True))


def check_golden(name: str, got: str) -> None:
    path = GOLDEN / name
    if UPDATE_GOLDEN:
        path.write_text(got, encoding="utf-8")
    assert path.is_file(), f"missing golden file {path} (run with UPDATE_GOLDEN=1 once and review it)"
    assert got == path.read_text(encoding="utf-8")
