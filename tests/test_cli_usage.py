"""Mistyped commands and options: one line on stderr with the closest valid
spelling and exit 2, like every other bad input (not click's multi-line box)."""
from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "args, line",
    [
        (["rendr", "x.yaml"], "broadcaster: error: no such command 'rendr'; did you mean 'render'?"),
        (["render", "x.yaml", "--ofline"], "broadcaster: error: render: no such option '--ofline'; did you mean '--offline'?"),
        (["render", "x.yaml", "--strcit"], "broadcaster: error: render: no such option '--strcit'; did you mean '--strict'?"),
        (["say", "你好", "-o", "x.mp3", "--vioce", "v1"], "broadcaster: error: say: no such option '--vioce'; did you mean '--voice'?"),
        (["render", "x.yaml", "--zzz"], "broadcaster: error: render: no such option '--zzz'"),
        (["render"], "broadcaster: error: render: missing argument 'script'."),
    ],
)
def test_usage_mistake_is_one_line_and_exit_2(run_cli, args, line):
    code, out, err = run_cli(*args)
    assert (code, out, err) == (2, "", line + "\n")


def test_usage_mistake_from_a_real_process_has_no_box():
    proc = subprocess.run([sys.executable, "-m", "broadcaster", "rendr", "x.yaml"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr == "broadcaster: error: no such command 'rendr'; did you mean 'render'?\n"
    assert proc.stdout == ""


def test_help_and_version_still_exit_0(run_cli):
    code, out, _ = run_cli("render", "--help")
    assert code == 0 and "--offline" in out
    code, out, _ = run_cli("--version")
    assert code == 0 and out.startswith("broadcaster ")
