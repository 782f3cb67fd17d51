"""Rebuild src/broadcaster/data/voices_zh.npz from the npm package it comes from.

The Mandarin voices of Kokoro v1.0 ship in the npm package kokoro-js 1.2.1
(Apache-2.0) as raw little-endian float32 files, `voices/<name>.bin`, one
256-wide style vector per token count (510 rows). This script takes them out
of the package tarball unchanged and stores them as one .npz (uncompressed,
fixed timestamps, so the same tarball always gives the same bytes), copies
the package's licence, and writes the NOTICE with every sha256.

    cd /tmp && npm pack kokoro-js@1.2.1          # -> kokoro-js-1.2.1.tgz
    python scripts/build_zh_voices.py /tmp/kokoro-js-1.2.1.tgz --check

--check compares with the shipped files instead of writing them (exit 1 if
anything differs). Which voices are shipped is `MANDARIN_VOICES` in
src/broadcaster/synthesise/engines/kokoro_voices.py.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import sys
import tarfile
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from broadcaster.synthesise.engines.kokoro_voices import MANDARIN_VOICES, STYLE_SHAPE  # noqa: E402

PACKAGE, VERSION = "kokoro-js", "1.2.1"
TARBALL_SHA256 = "1f0d0383ef0349af0bd9440d81dc12abbea3a5392eb645283eda876f537f5860"
DATA = ROOT / "src" / "broadcaster" / "data"
NPZ, LICENCE, NOTICE = "voices_zh.npz", "LICENSE-kokoro-voices", "NOTICE-kokoro-voices"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """An .npz numpy reads as usual, with nothing in it that depends on when
    it was written (numpy's own savez stamps each member with the time)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for name, array in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, array, version=(1, 0), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            z.writestr(info, member.getvalue())
    return out.getvalue()


def build(tarball: Path) -> dict[str, bytes]:
    """The shipped files, name -> bytes, made from the npm tarball."""
    raw = tarball.read_bytes()
    if sha256(raw) != TARBALL_SHA256:
        raise SystemExit(f"{tarball}: sha256 {sha256(raw)} is not that of {PACKAGE}@{VERSION} ({TARBALL_SHA256})")
    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
        def member(path: str) -> bytes:
            return tar.extractfile(f"package/{path}").read()

        licence = member("LICENSE")
        voices = {name: member(f"voices/{name}.bin") for name in MANDARIN_VOICES}
    arrays = {}
    for name, data in voices.items():
        if len(data) != int(np.prod(STYLE_SHAPE)) * 4:
            raise SystemExit(f"voices/{name}.bin: {len(data)} bytes, expected {STYLE_SHAPE} float32")
        arrays[name] = np.frombuffer(data, dtype="<f4").reshape(STYLE_SHAPE)
    npz = npz_bytes(arrays)
    lines = [
        "The Mandarin voice styles in voices_zh.npz are Kokoro v1.0 voices by hexgrad,",
        f"taken unchanged from the npm package {PACKAGE} {VERSION} (Apache License 2.0,",
        f"full text in {LICENCE}; package by hexgrad, contributors: Xenova).",
        "Each array is the package's voices/<name>.bin read as little-endian float32,",
        f"shape {STYLE_SHAPE}. Rebuild and verify with scripts/build_zh_voices.py.",
        "",
        f"{PACKAGE}-{VERSION}.tgz  sha256 {TARBALL_SHA256}",
        *[f"voices/{name}.bin  sha256 {sha256(data)}" for name, data in voices.items()],
        f"{NPZ}  sha256 {sha256(npz)}",
        "",
    ]
    return {NPZ: npz, LICENCE: licence, NOTICE: "\n".join(lines).encode()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tarball", type=Path, help=f"{PACKAGE}-{VERSION}.tgz from `npm pack {PACKAGE}@{VERSION}`")
    parser.add_argument("--check", action="store_true", help="compare with the shipped files, write nothing")
    args = parser.parse_args()
    files = build(args.tarball)
    differ = []
    for name, data in files.items():
        path = DATA / name
        if args.check:
            same = path.is_file() and path.read_bytes() == data
            print(f"{'same' if same else 'DIFFERS'}  {path.relative_to(ROOT)}  sha256 {sha256(data)}")
            differ += [] if same else [name]
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            print(f"wrote {path.relative_to(ROOT)}  ({len(data)} bytes, sha256 {sha256(data)})")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
