"""Helpers shared by the text front-end tests (imported as a plain module)."""
from __future__ import annotations

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


