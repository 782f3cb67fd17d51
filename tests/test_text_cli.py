"""`broadcaster text` end to end: every reading case through the real command,
stdout holding nothing but the spoken segments."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from support import REPO, SHARED


def _cases(path: Path) -> list[tuple[str, list[str]]]:
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            written, spoken = line.split("\t")
            rows.append((written, spoken.split("|")))
    return rows


def _squash(text: str) -> str:
    return "".join(text.split()).replace("〇", "零")


SHARED_CASES = _cases(SHARED / "text-cases.tsv")
EXTRA_CASES = _cases(REPO / "tests" / "text" / "text-cases-extra.tsv")
ISSUE14_CASES = _cases(REPO / "tests" / "text" / "text-cases-issue14.tsv")
ISSUE25_CASES = _cases(REPO / "tests" / "text" / "text-cases-issue25.tsv")


@pytest.mark.parametrize(
    "written, accepted",
    [pytest.param(w, a, id=f"shared:{w}") for w, a in SHARED_CASES]
    + [pytest.param(w, a, id=f"extra:{w}") for w, a in EXTRA_CASES]
    + [pytest.param(w, a, id=f"issue14:{w}") for w, a in ISSUE14_CASES]
    + [pytest.param(w, a, id=f"issue25:{w}") for w, a in ISSUE25_CASES],
)
def test_every_case_through_broadcaster_text(tmp_path, run_cli, written, accepted):
    source = tmp_path / "case.txt"
    source.write_text(written + "\n", encoding="utf-8")
    code, out, err = run_cli("text", str(source))
    assert code == 0, err
    assert _squash(out) in {_squash(a) for a in accepted}, f"{written!r} → {out!r}"


def test_shared_table_is_there_in_ci():
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside the checkout")
    assert len(SHARED_CASES) >= 17


def test_stdin_and_explain_in_a_real_process():
    text = "来源：新华网\n各位村民请注意，明天上午7:30在村委会开会。\n责编：王明\n"
    proc = subprocess.run([sys.executable, "-m", "broadcaster", "text", "-"], input=text, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "各位村民请注意，明天上午七点三十分在村委会开会。\n"
    proc = subprocess.run([sys.executable, "-m", "broadcaster", "text", "-", "--explain"], input=text, capture_output=True, text=True)
    assert proc.returncode == 0
    assert "7:30" in proc.stdout and "七点三十分" in proc.stdout


def test_nothing_to_say_is_bad_input(tmp_path, run_cli):
    source = tmp_path / "empty.txt"
    source.write_text("来源：新华网\n责编：王明\n", encoding="utf-8")
    code, out, err = run_cli("text", str(source))
    assert code == 2 and out == ""
    assert err.startswith(f"broadcaster: error: {source}: nothing left to read")


def test_explain_names_the_rules_of_codes_units_and_discounts():
    text = "请到5-1-302领取，手机138 5236 1472，请立即报119，全场95折，限载2t。\n"
    proc = subprocess.run([sys.executable, "-m", "broadcaster", "text", "-", "--explain"], input=text, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    rules = {line.split()[1] for line in proc.stdout.splitlines() if line.strip().startswith("rule:")}
    assert {"address_codes", "phone_numbers", "hotlines", "discounts", "latin_units"} <= rules, proc.stdout
    assert "5-1-302 → 五杠一杠三零二" in proc.stdout
