"""The segment store a county's workers share (synthesise/store.py): an entry is
created only where none is, whole or not at all, and checked when read."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from broadcaster.durable import Damaged
from broadcaster.synthesise.store import FolderStore

REPO = Path(__file__).resolve().parents[1]
KEY = "ab" * 32

# Each writer waits for the others at a barrier file, then creates the same key
# with its own payload; it prints whether its create made the entry.
WRITER = """
import os, sys, time
from pathlib import Path
from broadcaster.synthesise.store import FolderStore
root, me, go = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
payload = (me * 200_000).encode()
while not go.exists():
    time.sleep(0.001)
print(FolderStore(root).create("%s", payload))
""" % KEY


def test_create_keeps_the_first_entry_and_reads_it_back(tmp_path):
    store = FolderStore(tmp_path)
    assert store.create(KEY, b"first") is True
    assert store.create(KEY, b"second") is False
    assert store.read(KEY) == b"first" and store.exists(KEY)
    assert [e.key for e in store.entries()] == [KEY]
    store.remove(KEY)
    assert store.read(KEY) is None and not store.exists(KEY)


def test_a_damaged_entry_is_reported_not_returned(tmp_path):
    store = FolderStore(tmp_path)
    store.create(KEY, b"payload" * 100)
    path = store.path(KEY)
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(Damaged):
        store.read(KEY)


@pytest.mark.parametrize("attempt", range(5))
def test_writers_racing_for_one_key_leave_one_whole_entry(tmp_path, attempt):
    """Four processes create the same key at once: exactly one makes it, and it reads back whole."""
    go = tmp_path / "go"
    env = {"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin"}
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path / "store"), letter, str(go)],
                              stdout=subprocess.PIPE, text=True, env=env) for letter in "wxyz"]
    go.touch()
    outcomes = [p.communicate(timeout=120)[0].strip() for p in procs]
    assert sorted(outcomes) == ["False", "False", "False", "True"]
    winner = "wxyz"[outcomes.index("True")]
    store = FolderStore(tmp_path / "store")
    assert store.read(KEY) == (winner * 200_000).encode()
    assert [p.name for p in store.path(KEY).parent.iterdir()] == [store.path(KEY).name]  # no temporaries left
