"""`schedule install|show|remove` for systemd, cron and Windows, checked for
syntax, and installed only into a temporary home through fake `systemctl`,
`crontab` and `schtasks` commands: never into this machine's real schedule."""
from __future__ import annotations

import re
import shutil
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from support import write_script

from broadcaster.daily.schedule import TASK_NS, make_job

SCRIPT = "title: 广播\nvoice: {engine: fake}\nitems:\n  - text: 今天是{date}。\n"


@pytest.fixture
def daily(tmp_path):
    folder = tmp_path / "村 广播"  # a space, as in Windows' "Program Files", must survive quoting
    folder.mkdir()
    return write_script(folder, SCRIPT, "daily.yaml")


@pytest.fixture
def fake_tools(tmp_path, monkeypatch):
    """systemctl, crontab and schtasks that record their arguments (and keep a crontab in a file)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls.log"
    table = tmp_path / "crontab.txt"
    scripts = {
        "systemctl": f'echo "systemctl $*" >> "{calls}"\n',
        "crontab": (f'if [ "$1" = -l ]; then [ -f "{table}" ] || {{ echo "no crontab for you" >&2; exit 1; }}; cat "{table}";\n'
                    f'elif [ "$1" = - ]; then cat > "{table}"; fi\n'),
        "schtasks": f'echo "schtasks $*" >> "{calls}"\nfor a in "$@"; do case "$a" in *.xml) cp "$a" "{tmp_path}/imported.xml";; esac; done\n',
    }
    for name, body in scripts.items():
        path = bin_dir / name
        path.write_text("#!/bin/sh\n" + body)
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return calls, table


def _sections(text: str) -> dict[str, list[tuple[str, str]]]:
    """A unit file's sections as (key, value) lists; every line is a section, a key=value or blank."""
    out: dict[str, list[tuple[str, str]]] = {}
    section = None
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        if m := re.fullmatch(r"\[(\w+)\]", line):
            section = out.setdefault(m.group(1), [])
            continue
        assert section is not None and re.fullmatch(r"[A-Za-z]+=\S.*", line), line
        section.append(tuple(line.split("=", 1)))
    return out


def test_systemd_units_are_valid(daily, fake_tools, tmp_path, run_cli):
    code, out, err = run_cli("schedule", "install", str(daily), "--at", "06:00", "--at", "17:30", "--print")
    assert (code, err) == (0, "")
    files = re.split(r"^# (\S+)\n", out, flags=re.MULTILINE)[1:]
    units = dict(zip(files[::2], files[1::2]))
    name = "broadcaster-daily-daily-"
    assert len(units) == 2 and all(Path(p).parent == tmp_path / "config" / "systemd" / "user" for p in units)
    service, timer = (next(text for path, text in units.items() if path.endswith(ext)) for ext in (".service", ".timer"))
    timer_keys = _sections(timer)["Timer"]
    assert [v for k, v in timer_keys if k == "OnCalendar"] == ["*-*-* 06:00:00", "*-*-* 17:30:00"]
    assert ("Persistent", "true") in timer_keys
    exec_start = dict(_sections(service)["Service"])["ExecStart"]
    assert exec_start == f'{sys.executable} -m broadcaster run-daily "{daily.resolve()}" --quiet'
    assert _sections(timer)["Install"] == [("WantedBy", "timers.target")]
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze not installed: checked with the parser above only")
    folder = tmp_path / "units"
    folder.mkdir()
    for path, text in units.items():
        (folder / Path(path).name).write_text(text)
    proc = subprocess.run(["systemd-analyze", "verify", *map(str, sorted(folder.iterdir()))], capture_output=True, text=True, check=False)
    assert (proc.returncode, proc.stderr) == (0, ""), proc.stderr
    assert name in timer


def test_systemd_install_show_remove(daily, fake_tools, tmp_path, run_cli):
    calls, _ = fake_tools
    code, out, err = run_cli("schedule", "install", str(daily), "--at", "6:00")
    assert code == 0, err
    folder = tmp_path / "config" / "systemd" / "user"
    timer = next(folder.glob("broadcaster-daily-daily-*.timer"))
    assert "OnCalendar=*-*-* 06:00:00\n" in timer.read_text()
    assert calls.read_text().splitlines() == ["systemctl --user daemon-reload", f"systemctl --user enable --now {timer.name}"]
    code, out, _ = run_cli("schedule", "show", str(daily))
    assert code == 0 and f"# {timer}\n" in out and "Persistent=true" in out
    code, out, _ = run_cli("schedule", "remove", str(daily))
    assert code == 0 and not list(folder.iterdir())
    assert calls.read_text().splitlines()[2:] == [f"systemctl --user disable --now {timer.name}", "systemctl --user daemon-reload"]
    assert run_cli("schedule", "show", str(daily))[1] == f"no systemd schedule for {daily.resolve()}\n"


_CRON_FIELD = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]


def _check_cron_line(line: str) -> str:
    fields = line.split(" ", 5)
    for value, (low, high) in zip(fields[:5], _CRON_FIELD):
        assert value == "*" or (value.isdigit() and low <= int(value) <= high), line
    command = fields[5]
    assert "%" not in command.replace("\\%", "")  # an unescaped % would end the command
    return command


def test_cron_lines_install_and_remove_only_their_own(daily, fake_tools, run_cli):
    _, table = fake_tools
    code, out, _ = run_cli("schedule", "install", str(daily), "--cron", "--at", "17:30", "--at", "06:05", "--print")
    lines = out.splitlines()
    assert code == 0 and [line.split(" ", 5)[:5] for line in lines] == [["5", "6", "*", "*", "*"], ["30", "17", "*", "*", "*"]]
    command = _check_cron_line(lines[0])
    folder = daily.resolve().parent
    assert command.startswith(f"cd '{folder}' && mkdir -p '{folder}/audio_out/daily' && {sys.executable} -m broadcaster run-daily '{daily.resolve()}' --quiet >> ")
    assert subprocess.run(["sh", "-n", "-c", command.split(" # ")[0]], check=False).returncode == 0  # the shell can parse it

    table.write_text("15 3 * * * backup.sh\n")
    assert run_cli("schedule", "install", str(daily), "--cron", "--at", "06:00")[0] == 0
    assert run_cli("schedule", "install", str(daily), "--cron", "--at", "07:00")[0] == 0  # replaces, never adds
    kept = table.read_text().splitlines()
    assert kept[0] == "15 3 * * * backup.sh" and len(kept) == 2 and kept[1].startswith("0 7 * * * ")
    assert run_cli("schedule", "show", str(daily), "--cron")[1] == kept[1] + "\n"
    assert run_cli("schedule", "remove", str(daily), "--cron")[1] == "removed 1 crontab line(s)\n"
    assert table.read_text() == "15 3 * * * backup.sh\n"


def test_windows_task_xml_has_what_task_scheduler_requires(daily, fake_tools, tmp_path, run_cli):
    calls, _ = fake_tools
    code, out, _ = run_cli("schedule", "install", str(daily), "--kind", "windows", "--at", "06:00", "--at", "17:30", "--print")
    assert code == 0
    assert out.startswith('<?xml version="1.0" encoding="UTF-16"?>\n')
    task = ET.fromstring(out.encode("utf-16"))
    ns = {"t": TASK_NS}
    assert task.tag == f"{{{TASK_NS}}}Task" and task.get("version") == "1.2"
    assert task.find("t:RegistrationInfo/t:URI", ns).text.startswith("\\broadcaster-daily-daily-")
    boundaries = [e.text for e in task.findall("t:Triggers/t:CalendarTrigger/t:StartBoundary", ns)]
    assert len(boundaries) == 2 and all(re.fullmatch(r"\d{4}-\d\d-\d\dT(06:00|17:30):00", b) for b in boundaries)
    assert [e.text for e in task.findall("t:Triggers/t:CalendarTrigger/t:ScheduleByDay/t:DaysInterval", ns)] == ["1", "1"]
    assert task.find("t:Settings/t:StartWhenAvailable", ns).text == "true"
    assert task.find("t:Settings/t:MultipleInstancesPolicy", ns).text == "IgnoreNew"
    assert task.find("t:Actions/t:Exec/t:Command", ns).text == sys.executable
    assert task.find("t:Actions/t:Exec/t:Arguments", ns).text == f'-m broadcaster run-daily "{daily.resolve()}" --quiet'

    code, out, err = run_cli("schedule", "install", str(daily), "--kind", "windows", "--at", "06:00")
    assert code == 0, err
    imported = (tmp_path / "imported.xml").read_bytes()
    assert imported[:2] in (b"\xff\xfe", b"\xfe\xff")  # UTF-16 with its BOM, as schtasks /XML reads it
    assert ET.fromstring(imported).find("t:Settings/t:StartWhenAvailable", ns).text == "true"
    assert re.fullmatch(r"schtasks /Create /TN broadcaster-daily-daily-\w+ /XML \S+\.xml /F", calls.read_text().strip())


def test_bad_times_and_kinds_are_one_line_exit_2(daily, run_cli):
    assert run_cli("schedule", "install", str(daily), "--at", "24:00", "--print")[2] == \
        "broadcaster: error: --at: '24:00' is not a time like 06:00 or 17:30\n"
    assert run_cli("schedule", "install", str(daily), "--print")[0] == 2
    code, _, err = run_cli("schedule", "install", str(daily), "--at", "06:00", "--kind", "launchd", "--print")
    assert code == 2 and err == "broadcaster: error: --kind: 'launchd'; allowed: systemd, cron, windows\n"
    assert make_job(daily, ["6:00", "06:00"]).times == ("06:00",)
