"""`broadcaster export`: lay a rendered programme out on a player's card, stick or folder.

Cheap MP3 player boards (SD-card and USB decoder boards, DFPlayer-style
modules) play files in the order of their directory entries, not by name,
and copying a folder in a file manager scrambles that order. So the export

- names everything with numbers, in pure upper-case 8.3 form (``01/001.MP3``,
  or ``MP3/0001.MP3``), which every FAT driver stores as one directory entry
  with no long-name entries, and every board can address;
- writes each numbered folder complete inside a fresh hidden staging folder
  on the same medium, one file at a time in play order (write, fsync, read
  back and compare the SHA-256), then moves the finished folder into place;
- reads every directory back in its on-disk order and checks it is play order.

Why a staging folder rather than a temporary name per file: a file's entry
goes into the first run of free slots large enough for its name (Linux's
vfat; a long name takes several slots), and renaming adds a new entry and
frees the old one. Renamed in place, each final entry then depends on the
holes the temporaries and an earlier export left: with equal-length
temporaries in an empty folder the order happens to hold (mtools, tried),
but a hole of another size, e.g. from a deleted file of the last export, is
filled out of order. In a fresh folder where nothing is ever deleted,
entries are written one after another, whatever the driver. A
folder moved into the root takes one entry there; all removals are done
before the first move, so with one-entry names each move takes the lowest
free entry, and those come in increasing order. A power cut before the move
leaves the earlier export whole (and a staging folder the next export removes).

The export keeps a record of what it wrote (``.broadcaster-export.json`` on
the medium): a later export replaces only those files, and anything else in
its way is refused unless ``--clean``.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from broadcaster.errors import BroadcasterError, InputError
from broadcaster.package.export_media import sha256_chunks

RECORD = ".broadcaster-export.json"
STAGE = ".broadcaster-export.tmp"
PROGRAMME_LIST = "节目单.txt"
DEVICES = ("sdcard", "usb", "folder")
LAYOUTS = ("folders", "mp3dir")
WHAT = ("programme", "items", "both")
# DFPlayer-style boards address folders 01-99 with up to 255 files each.
FILES_PER_FOLDER = {"folders": 255, "mp3dir": 9999}
AUDIO_SUFFIXES = {".mp3", ".wav", ".wma", ".flac", ".m4a", ".aac", ".ogg", ".ape"}


@dataclass(frozen=True)
class Placement:
    """One file of the export: where it goes, what it is, and what it must hash to."""

    folder: str  # "01" or "MP3"
    name: str  # "001.MP3"
    source: Path
    sha256: str
    title: str
    duration_s: float

    @property
    def rel(self) -> str:
        return f"{self.folder}/{self.name}"


@dataclass(frozen=True)
class ExportReport:
    target: str
    placements: tuple[Placement, ...]
    removed: tuple[str, ...]
    total_bytes: int
    other_audio: tuple[str, ...]


# ---------------------------------------------------------------- the render

def load_render(out_dir: Path) -> dict:
    """The render's manifest, checked for what the export uses."""
    if not out_dir.is_dir():
        raise InputError("no such output folder" if not out_dir.exists() else "not a folder", where=str(out_dir))
    path = out_dir / "manifest.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("not a render's output folder (no manifest.json)", where=str(out_dir)) from None
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot be read ({exc})", where=str(path)) from None
    for key, kind in (("title", str), ("file", str), ("sha256", str), ("duration_s", (int, float)), ("items", list)):
        if not isinstance(doc.get(key) if isinstance(doc, dict) else None, kind):
            raise InputError(f"{key}: missing or of the wrong type", where=str(path))
    for i, item in enumerate(doc["items"]):
        if not isinstance(item, dict) or (item.get("file") is not None and not isinstance(item.get("sha256"), str)):
            raise InputError(f"items[{i}]: missing file or sha256", where=str(path))
    return doc


def plan_layout(out_dir: Path, doc: dict, what: str, layout: str) -> list[Placement]:
    """The files in play order, with their numbered places.

    >>> [p.rel for p in plan_layout(out, doc, "both", "folders")]   # doctest: +SKIP
    ['01/001.MP3', '02/001.MP3', '02/002.MP3', '02/003.MP3']
    """
    programme = [(doc["file"], doc["sha256"], doc["title"], float(doc["duration_s"]))]
    items = [(i["file"], i["sha256"], str(i.get("title", "")), float(i.get("duration_s", 0))) for i in doc["items"] if i.get("file")]
    groups = {"programme": [programme], "items": [items], "both": [programme, items]}[what]
    if what != "programme" and not items:
        raise InputError("the render has no item files to export (try --what programme)", where=str(out_dir))
    out: list[Placement] = []
    per_folder = FILES_PER_FOLDER[layout]
    folder_no = 0
    for group in groups:
        for n, (file, sha, title, duration_s) in enumerate(group):
            source = out_dir / file
            if not source.is_file():
                raise InputError(f"{file} is missing (render again)", where=str(out_dir))
            if layout == "folders":
                # Each group starts a folder; a group of more than 255 files goes on in the next one.
                folder_no += n % per_folder == 0
                if folder_no > 99:
                    raise InputError("more than 99 folders of 255 files", where=str(out_dir))
                out.append(Placement(f"{folder_no:02d}", f"{n % per_folder + 1:03d}.MP3", source, sha, title, duration_s))
            else:
                number = len(out) + 1
                if number > per_folder:
                    raise InputError(f"more than {per_folder} files", where=str(out_dir))
                out.append(Placement("MP3", f"{number:04d}.MP3", source, sha, title, duration_s))
    return out


def programme_list(doc: dict, placements: list[Placement]) -> bytes:
    """节目单.txt: number → title and duration; UTF-8 with a BOM and CRLF, so Windows Notepad shows it.

    >>> programme_list({"title": "早间广播", "date": "2026-11-30"}, [Placement("01", "001.MP3", Path(), "", "整套节目", 89.4)])
    b'\\xef\\xbb\\xbf\\xe6...01/001.MP3\\t1:29\\t\\xe6\\x95...'
    """
    lines = [f"{doc['title']}  {doc.get('date', '')}".rstrip(), "", "文件\t时长\t内容"]
    for p in placements:
        minutes, seconds = divmod(round(p.duration_s), 60)
        lines.append(f"{p.rel}\t{minutes}:{seconds:02d}\t{p.title}")
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


# ---------------------------------------------------------------- the medium

def _read_record(medium) -> dict:
    if not medium.exists(RECORD):
        return {"files": {}, "folders": []}
    try:
        record = json.loads(b"".join(medium.read_chunks(RECORD)).decode("utf-8"))
        if isinstance(record, dict) and isinstance(record.get("files"), dict) and isinstance(record.get("folders"), list):
            return record
    except (OSError, ValueError):
        pass
    # A damaged record proves nothing was ours: its files are treated as someone else's.
    return {"files": {}, "folders": []}


def _in_the_way(medium, placements: list[Placement], record: dict) -> list[str]:
    """Paths on the medium that the export would replace but did not write."""
    ours_files, ours_folders = set(record["files"]), set(record["folders"])
    conflicts = []
    for name in [*dict.fromkeys(p.folder for p in placements), PROGRAMME_LIST]:
        if not medium.exists(name):
            continue
        if name == PROGRAMME_LIST:
            if name not in ours_files:
                conflicts.append(name)
        elif name not in ours_folders or not medium.is_dir(name):
            conflicts.append(name)
        else:
            conflicts += [f"{name}/{n}" for n in medium.listdir(name) if f"{name}/{n}" not in ours_files]
    return conflicts


def _player_clutter(medium) -> list[str]:
    """What a board would play besides this export: audio files and numbered or MP3 folders at the top."""
    out = []
    for name in medium.listdir():
        if name.startswith("."):
            continue
        if (medium.is_dir(name) and (name.isdigit() or name.upper() == "MP3")) or Path(name).suffix.lower() in AUDIO_SUFFIXES:
            out.append(name)
    return out


def _copy_checked(placement: Placement) -> Iterator[bytes]:
    """The source's bytes, checked against the manifest's SHA-256 as they pass."""
    import hashlib

    h = hashlib.sha256()
    with open(placement.source, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
            yield block
    if h.hexdigest() != placement.sha256:
        raise InputError("does not match the checksum in manifest.json (render again)", where=str(placement.source))


def _verify(medium, rel: str, sha256: str) -> None:
    if sha256_chunks(medium.read_chunks(rel)) != sha256:
        raise BroadcasterError(f"{medium}/{rel}: read back different bytes from those written (a failing card?)")


def _check_order(medium, folder: str, expected: list[str]) -> None:
    on_disk = [n for n in medium.listdir(folder) if n in set(expected)]
    if on_disk != expected:
        raise BroadcasterError(f"{medium}/{folder}: directory order is {on_disk[:5]}..., not play order")


def export_render(out_dir: Path, medium, *, device: str, layout: str = "folders", what: str = "programme",
                  clean: bool = False) -> ExportReport:
    """Write the render in `out_dir` onto `medium` (see export_media) and check it; see the module docstring."""
    doc = load_render(out_dir)
    target = Path(str(medium)).resolve()
    if target == out_dir.resolve() or out_dir.resolve() in target.parents:
        raise InputError("--to is inside the output folder it would copy from", where=str(medium))
    placements = plan_layout(out_dir, doc, what, layout)
    listing = programme_list(doc, placements)
    _recover_killed_export(medium)
    record = _read_record(medium)
    conflicts = _in_the_way(medium, placements, record)
    if conflicts and not clean:
        raise InputError(f"{conflicts[0]} is in the way and was not written by broadcaster export "
                         f"({len(conflicts)} such); move it away or use --clean", where=str(medium))
    folders = list(dict.fromkeys(p.folder for p in placements))
    ours_old = [f for f in record["folders"] if medium.exists(f)] + [f for f in record["files"] if "/" not in f and f != RECORD and medium.exists(f)]
    # Whole top-level names: a folder in the way is replaced by the new one of that name.
    to_remove = sorted({name.split("/")[0] for name in (_player_clutter(medium) + conflicts if clean else []) + ours_old})

    cluster = medium.cluster_bytes()
    sizes = [p.source.stat().st_size for p in placements] + [len(listing), 4096]
    needed = sum(-(-size // cluster) * cluster for size in sizes) + cluster * (len(folders) + 2)
    free = medium.free_bytes()
    if free < needed:
        raise InputError(f"not enough free space: {free / 1e6:.1f} MB free, the export needs {needed / 1e6:.1f} MB", where=str(medium))

    medium.makedir(STAGE)
    try:
        for folder in folders:
            medium.makedir(f"{STAGE}/{folder}")
            names = []
            for p in (p for p in placements if p.folder == folder):
                medium.write_file(f"{STAGE}/{p.rel}", _copy_checked(p))
                _verify(medium, f"{STAGE}/{p.rel}", p.sha256)
                names.append(p.name)
            medium.sync_dir(f"{STAGE}/{folder}")
            if device != "folder":
                _check_order(medium, f"{STAGE}/{folder}", names)
        medium.write_file(f"{STAGE}/{PROGRAMME_LIST}", [listing])
    except BaseException as exc:
        _remove_quietly(medium, STAGE)
        if _is_full(exc):
            raise InputError("the medium is full (nothing was changed)", where=str(medium)) from None
        if isinstance(exc, OSError):
            raise BroadcasterError(f"{medium}: cannot write ({exc.strerror or exc}); nothing was changed") from None
        raise
    _commit(medium, folders, to_remove, placements, listing, out_dir, doc, device, layout)
    medium.reopen()
    _check_after(medium, folders, placements, device)
    other = [n for n in _player_clutter(medium) if n not in folders]
    return ExportReport(str(medium), tuple(placements), tuple(n for n in to_remove if n not in folders and n != PROGRAMME_LIST),
                        sum(sizes[:-2]), tuple(other))


def _commit(medium, folders, to_remove, placements, listing, out_dir, doc, device, layout) -> None:
    """Clear the way, then move the new folders in, in play order (see the module docstring).

    On a mounted medium what is in the way is first moved into the staging
    folder (a rename: nothing is copied), and put back if a move in fails, so
    the card never holds a mix of two exports. In an image a move copies, and
    the image may have no room for a second copy: there it is removed.
    """
    import hashlib

    files = {p.rel: p.sha256 for p in placements}
    files[PROGRAMME_LIST] = hashlib.sha256(listing).hexdigest()
    record = {"version": 1, "title": doc["title"], "date": doc.get("date"), "source": str(out_dir.resolve()),
              "device": device, "layout": layout, "folders": folders, "files": files}
    moved_aside: list[str] = []
    moved_in: list[str] = []
    try:
        medium.write_file(f"{STAGE}/record", [json.dumps(record, ensure_ascii=False, indent=1).encode("utf-8")])
        if not medium.move_copies:
            medium.makedir(f"{STAGE}/aside")
        for name in [*to_remove, *([RECORD] if medium.exists(RECORD) else [])]:
            if medium.move_copies:
                medium.remove(name)
            else:
                medium.move(name, f"{STAGE}/aside/{name}")
                moved_aside.append(name)
        medium.sync_dir()
        for name in [*folders, PROGRAMME_LIST]:
            medium.move(f"{STAGE}/{name}", name)
            moved_in.append(name)
            medium.sync_dir()
        medium.move(f"{STAGE}/record", RECORD)
    except BaseException as exc:  # any failure, Ctrl-C too: put the earlier files back first, then say why
        for name in reversed(moved_in):
            _remove_quietly(medium, name)
        for name in reversed(moved_aside):
            try:
                medium.move(f"{STAGE}/aside/{name}", name)
            except Exception:
                pass
        _remove_quietly(medium, STAGE)
        medium.sync_dir()
        if not isinstance(exc, Exception):
            raise
        if _is_full(exc):
            raise InputError("the medium is full (nothing was changed)", where=str(medium)) from None
        raise BroadcasterError(f"{medium}: moving the new files into place failed ({getattr(exc, 'strerror', None) or exc}); "
                               + ("the earlier files were put back" if not medium.move_copies else "export again")) from None
    _remove_quietly(medium, STAGE)
    medium.sync_dir()


def _recover_killed_export(medium) -> None:
    """Clean up after an export killed outright (power cut, card pulled, SIGKILL).

    Its staging folder was never moved into place, so it is only ours. If it
    was killed while moving folders, what it had moved aside and not yet
    replaced is put back first.
    """
    if not medium.exists(STAGE):
        return
    if medium.is_dir(f"{STAGE}/aside"):
        for name in medium.listdir(f"{STAGE}/aside"):
            if not medium.exists(name):
                medium.move(f"{STAGE}/aside/{name}", name)
    medium.remove(STAGE)
    medium.sync_dir()


def _check_after(medium, folders, placements, device) -> None:
    if device != "folder":
        top = [n for n in medium.listdir() if n in set(folders)]
        if top != folders:
            raise BroadcasterError(f"{medium}: folders are in the order {top} on the disk, not {folders}; "
                                   "format the card or export with --clean")
    for folder in folders:
        if device != "folder":
            _check_order(medium, folder, [p.name for p in placements if p.folder == folder])
    if medium.move_copies:  # the bytes were copied once more: check them again, as read from the image
        for p in placements:
            _verify(medium, p.rel, p.sha256)


def _is_full(exc: BaseException) -> bool:
    import errno

    # pyfatfs reports a full image as its own exception carrying errno ENOSPC
    return getattr(exc, "errno", None) in (errno.ENOSPC, errno.EDQUOT)


def _remove_quietly(medium, rel: str) -> None:
    try:
        if medium.exists(rel):
            medium.remove(rel)
    except Exception:
        pass
