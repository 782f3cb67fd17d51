"""county.yaml → a checked `CountyFile`: which villages, where their programmes and the shared cache go.

    county: 青山县
    villages: villages/        # a folder of village scripts, or a list of them:
    #  - villages/dongcun.yaml
    #  - {script: villages/xicun.yaml, root: /srv/loudspeakers/xicun}
    shared: shared/            # the county's items, which village scripts read (article: ../shared/…)
    root: out/                 # each village's dated folders and latest: <root>/<script name>/
    cache: cache/              # the segment cache every worker uses (a shared folder)
    keep_days: 14
    deadline: "06:30"          # a village without its programme by then is late

Paths are relative to the county file. Every error names the file, the line
and the key, like a script's.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from broadcaster.errors import ScriptError
from broadcaster.yaml_lines import LocatedDict, LocatedList, load_located

_KEYS = ("county", "villages", "shared", "root", "cache", "keep_days", "deadline", "offline", "online_concurrency")


@dataclass(frozen=True)
class VillageEntry:
    name: str          # the script's file name without .yaml: the village's folder under root
    script: Path
    root: Path         # its dated folders, latest, run.json, runs.log (the daily job's layout)
    where: str         # county.yaml:line, for messages


@dataclass(frozen=True)
class CountyFile:
    path: Path
    name: str
    villages: tuple[VillageEntry, ...]
    shared: Path | None
    root: Path
    cache: Path | None  # None: BROADCASTER_CACHE_DIR, else the user's cache
    keep_days: int = 14
    deadline: dt.time | None = None
    offline: bool = False
    online_concurrency: int = 2  # segments the online engine makes at once, county-wide


def default_root(path: Path) -> Path:
    return path.resolve().parent / "audio_out" / "county"


def load_county(path: Path) -> CountyFile:
    """The county file at `path`, checked (ScriptError: exit 2)."""
    path = Path(path).resolve()
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise ScriptError("county file not found", where=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScriptError(f"cannot read the county file: {exc}", where=str(path)) from None
    doc = load_located(text, str(path))
    if not isinstance(doc, LocatedDict):
        raise ScriptError("a county file is a mapping with county: and villages:", where=f"{path}:1")

    def fail(message: str, key: str) -> ScriptError:
        return ScriptError(f"{key}: {message}", where=f"{path}:{doc.line_of(key)}")

    for key in doc:
        if key not in _KEYS:
            raise fail(f"unknown key; allowed: {', '.join(_KEYS)}", str(key))
    name = str(doc.get("county") or "").strip()
    if not name:
        raise fail("is required: the county's name", "county")
    base = path.parent
    root = _folder(base, doc.get("root"), fail, "root", must_exist=False) or default_root(path)
    villages = _villages(base, doc, root, fail, path)
    keep_days = doc.get("keep_days", 14)
    if isinstance(keep_days, bool) or not isinstance(keep_days, int) or keep_days < 1:
        raise fail("must be a whole number of days, at least 1", "keep_days")
    online = doc.get("online_concurrency", 2)
    if isinstance(online, bool) or not isinstance(online, int) or not 1 <= online <= 64:
        raise fail("must be a whole number from 1 to 64", "online_concurrency")
    offline = doc.get("offline", False)
    if not isinstance(offline, bool):
        raise fail("must be true or false", "offline")
    return CountyFile(path, name, villages, _folder(base, doc.get("shared"), fail, "shared", must_exist=True), root,
                      _folder(base, doc.get("cache"), fail, "cache", must_exist=False), keep_days,
                      _deadline(doc.get("deadline"), fail), offline, online)


def _folder(base: Path, value, fail, key: str, *, must_exist: bool) -> Path | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise fail("must be a folder path", key)
    folder = (base / value).resolve()
    if must_exist and not folder.is_dir():
        raise fail(f"folder not found: {value}", key)
    return folder


def _deadline(value, fail) -> dt.time | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):  # YAML 1.1 reads 06:30 unquoted as 390 (minutes)
        value = f"{value // 60:02d}:{value % 60:02d}"
    try:
        return dt.time.fromisoformat(str(value))
    except ValueError:
        raise fail(f"must be a time of day like \"06:30\", not {value!r}", "deadline") from None


def _villages(base: Path, doc: LocatedDict, root: Path, fail, path: Path) -> tuple[VillageEntry, ...]:
    raw = doc.get("villages")
    if raw is None:
        raise fail("is required: a folder of village scripts, or a list of them", "villages")
    entries: list[VillageEntry] = []
    if isinstance(raw, str):
        folder = (base / raw).resolve()
        if not folder.is_dir():
            raise fail(f"folder not found: {raw}", "villages")
        where = f"{path}:{doc.line_of('villages')}"
        entries = [VillageEntry(p.stem, p, root / p.stem, where) for p in sorted(folder.glob("*.yaml"))]
        if not entries:
            raise fail(f"no village scripts (*.yaml) in {raw}", "villages")
        return tuple(entries)
    if not isinstance(raw, LocatedList) or not raw:
        raise fail("must be a folder or a list of village scripts", "villages")
    roots: dict[Path, str] = {}
    for i, item in enumerate(raw):
        where = f"{path}:{raw.line_of(i)}"
        script, own_root = (item, None) if isinstance(item, str) else _mapping_entry(item, where, i)
        script_path = (base / script).resolve()
        if not script_path.is_file():
            raise ScriptError(f"villages[{i}]: village script not found: {script}", where=where)
        village_root = (base / own_root).resolve() if own_root else root / script_path.stem
        if village_root in roots:
            raise ScriptError(f"villages[{i}]: {script} would write into the same folder as {roots[village_root]} "
                              f"({village_root}); give one of them its own root:", where=where)
        roots[village_root] = script
        entries.append(VillageEntry(script_path.stem, script_path, village_root, where))
    return tuple(entries)


def _mapping_entry(item, where: str, i: int) -> tuple[str, str | None]:
    if not isinstance(item, dict) or not isinstance(item.get("script"), str):
        raise ScriptError(f"villages[{i}]: must be a script path or {{script: …, root: …}}", where=where)
    unknown = set(item) - {"script", "root"}
    if unknown:
        raise ScriptError(f"villages[{i}].{sorted(unknown)[0]}: unknown key; allowed: script, root", where=where)
    root = item.get("root")
    if root is not None and not isinstance(root, str):
        raise ScriptError(f"villages[{i}].root: must be a folder path", where=where)
    return item["script"], root
