"""The package stage: the levelled `Master` → the output folder.

Every registered packager writes into a staging folder (`output.staged_folder`),
which is renamed into place only when all of them are done: a reader of the
output folder sees the previous programme or the new one, never half of each.
"""
from __future__ import annotations

from pathlib import Path

from broadcaster.model import Master, Programme
from broadcaster.package.output import staged_folder
from broadcaster.package.packagers import Package, packagers
from broadcaster.profiles import SoundProfile


def write_package(programme: Programme, profile: SoundProfile, master: Master, gain_db: float,
                  item_files: dict[int, str], out_dir: Path, outputs: tuple[str, ...] | None = None) -> Package:
    """Run every packager, or only those named in `outputs` (`say` wants
    the audio alone: in one profile of a cold `say`, the programme sheet's
    font subsetting and drawing took 2.3 s of the 2.7 s of packaging)."""
    with staged_folder(out_dir) as stage:
        package = Package(programme, profile, master, stage, gain_db, item_files)
        for packager in packagers():
            if outputs is None or packager.name in outputs:
                packager.write(package)
    package.folder = out_dir
    return package
