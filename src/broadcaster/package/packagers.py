"""Packagers: each kind of output a render writes is one, registered like the engines.

A packager takes the finished, levelled programme (a `Package`) and writes
its files into the render's staging folder. They run in order, each seeing
what the ones before added (the audio packager measures the written MP3;
the manifest, always last, records every file's checksum). A new output
(device export, video, programme sheet) is a new packager:

    >>> class Ticker:
    ...     name = "ticker"
    ...     def write(self, package):
    ...         text = "\\n".join(s.clip.cue.segment.written for i in package.master.items for s in i.segments)
    ...         package.add("programme.ticker.txt", text.encode("utf-8"))
    >>> register_packager(Ticker())  # doctest: +SKIP
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from broadcaster.durable import sha256_file
from broadcaster.model import LoudnessReport, Master, Programme
from broadcaster.package.captions import srt
from broadcaster.package.manifest import item_entry, manifest
from broadcaster.package.playlist import m3u8
from broadcaster.profiles import SoundProfile


@dataclass
class Package:
    """What the packagers of one render share."""

    programme: Programme
    profile: SoundProfile
    master: Master  # levelled samples and the item spans on its timeline
    folder: Path  # the staging folder, renamed into place when every packager is done
    gain_db: float  # applied by levelling
    item_files: dict[int, str]  # item index → "items/NN-name.mp3"
    loudness: LoudnessReport | None = None  # of the written programme.mp3 (set by the audio packager)
    item_loudness: dict[int, LoudnessReport] = field(default_factory=dict)  # item index → its loudness (audio packager)
    duration_s: float = 0.0  # of the written programme.mp3
    checksums: dict[str, str] = field(default_factory=dict)  # relative path → sha256 of what was written

    def add(self, relative: str, data: bytes) -> None:
        """Write one small file into the package."""
        path = self.folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.checksums[relative] = hashlib.sha256(data).hexdigest()  # from the bytes in hand, not read back

    def checksum(self, relative: str) -> str:
        if relative not in self.checksums:
            self.checksums[relative] = sha256_file(self.folder / relative)
        return self.checksums[relative]


class Packager(Protocol):
    name: str

    def write(self, package: Package) -> None: ...


class PlaylistPackager:
    """programme.m3u8: the item files, with durations and titles."""

    name = "playlist"

    def write(self, package: Package) -> None:
        entries = [(package.item_files[s.plan.item.index], s.duration_s, s.plan.title)
                   for s in package.master.items if s.plan.item.index in package.item_files]
        package.add("programme.m3u8", m3u8(entries).encode("utf-8"))


class CaptionsPackager:
    """programme.srt: one caption per spoken segment, on the programme's timeline."""

    name = "captions"

    def write(self, package: Package) -> None:
        captions = [(seg.caption_start_s, seg.caption_end_s, seg.clip.cue.segment.written)
                    for span in package.master.items for seg in span.segments]
        package.add("programme.srt", srt(captions).encode("utf-8"))


class ManifestPackager:
    """manifest.json: what was broadcast, where, how loud, and how it was made. Runs last."""

    name = "manifest"

    def write(self, package: Package) -> None:
        entries = []
        for span in package.master.items:
            file = package.item_files.get(span.plan.item.index)
            entries.append(item_entry(span, file, package.checksum(file) if file else None,
                                      package.item_loudness.get(span.plan.item.index)))
        for path in sorted(p for p in package.folder.rglob("*") if p.is_file()):
            package.checksum(path.relative_to(package.folder).as_posix())
        doc = manifest(package.programme, package.master, package.loudness, package.checksum("programme.mp3"), entries,
                       package.profile, package.checksums)
        package.add("manifest.json", doc.encode("utf-8"))


_packagers: list[Packager] = []


def register_packager(packager: Packager, *, replace: bool = False) -> None:
    """Add a packager; it runs after those before it and before the manifest."""
    _load_builtins()
    names = [p.name for p in _packagers]
    if packager.name in names:
        if not replace:
            raise ValueError(f"packager {packager.name!r} is already registered")
        _packagers[names.index(packager.name)] = packager
        return
    at = names.index("manifest") if "manifest" in names and packager.name != "manifest" else len(_packagers)
    _packagers.insert(at, packager)


def unregister_packager(name: str) -> None:
    _packagers[:] = [p for p in _packagers if p.name != name]


def packagers() -> list[Packager]:
    _load_builtins()
    return list(_packagers)


def _load_builtins() -> None:
    if not _packagers:
        from broadcaster.package.audio_files import AudioPackager
        from broadcaster.package.sheet_packager import SheetPackager
        from broadcaster.package.ticker import TickerPackager
        from broadcaster.package.video import VideoPackager

        _packagers.extend([AudioPackager(), PlaylistPackager(), CaptionsPackager(), VideoPackager(), TickerPackager(),
                           SheetPackager(), ManifestPackager()])
