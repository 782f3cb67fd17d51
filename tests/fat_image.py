"""FAT16 images for the export tests: made with pyfatfs, read back here byte by byte.

The reader is independent of pyfatfs and of the exporter: it walks the
boot sector, the FAT and the directory clusters itself, so the order it
returns is the order of the entries on the disk, which is what a player
board reads.
"""
from __future__ import annotations

import struct
from pathlib import Path


def make_fat16_image(path: Path, size_mb: int = 8) -> Path:
    from pyfatfs.PyFat import PyFat

    with open(path, "wb") as f:
        f.truncate(size_mb << 20)
    fat = PyFat()
    fat.mkfs(str(path), PyFat.FAT_TYPE_FAT16, size=size_mb << 20, label="CARD")
    fat.close()
    return path


class Fat16Reader:
    def __init__(self, image: Path):
        self.data = image.read_bytes()
        d = self.data
        self.bytes_per_sector, self.sectors_per_cluster, reserved, fats, root_entries = struct.unpack_from("<HBHBH", d, 11)
        (fat_sectors,) = struct.unpack_from("<H", d, 22)
        assert d[54:59] == b"FAT16", d[54:62]
        self.fat_start = reserved * self.bytes_per_sector
        self.root_start = (reserved + fats * fat_sectors) * self.bytes_per_sector
        self.data_start = self.root_start + root_entries * 32
        self.root_len = root_entries * 32
        self.cluster_bytes = self.bytes_per_sector * self.sectors_per_cluster

    def free_bytes(self) -> int:
        (total_sectors,) = struct.unpack_from("<H", self.data, 19)
        if total_sectors == 0:
            (total_sectors,) = struct.unpack_from("<I", self.data, 32)
        clusters = (total_sectors * self.bytes_per_sector - self.data_start) // self.cluster_bytes
        fat = struct.unpack_from(f"<{clusters}H", self.data, self.fat_start + 4)
        return sum(1 for entry in fat if entry == 0) * self.cluster_bytes

    def _chain(self, cluster: int) -> list[int]:
        out = []
        while 2 <= cluster < 0xFFF8:
            out.append(cluster)
            (cluster,) = struct.unpack_from("<H", self.data, self.fat_start + 2 * cluster)
        return out

    def _cluster_bytes(self, cluster: int) -> bytes:
        start = self.data_start + (cluster - 2) * self.cluster_bytes
        return self.data[start:start + self.cluster_bytes]

    def _entries(self, raw: bytes) -> list[tuple[str, int, int, int]]:
        """(8.3 name, attributes, first cluster, size) of the live short entries, in on-disk order."""
        out = []
        for off in range(0, len(raw), 32):
            entry = raw[off:off + 32]
            if entry[0] == 0:
                break
            attr = entry[11]
            if entry[0] == 0xE5 or attr == 0x0F or attr & 0x08:  # deleted, long-name part, volume label
                continue
            base, ext = entry[:8].decode("latin-1").rstrip(), entry[8:11].decode("latin-1").rstrip()
            name = f"{base}.{ext}" if ext else base
            if name in (".", ".."):
                continue
            cluster, size = struct.unpack_from("<HI", entry, 26)
            out.append((name, attr, cluster, size))
        return out

    def _dir_raw(self, path: str) -> bytes:
        raw = self.data[self.root_start:self.root_start + self.root_len]
        for part in [p for p in path.split("/") if p]:
            match = [e for e in self._entries(raw) if e[0] == part.upper() and e[1] & 0x10]
            assert match, f"no folder {part} in {path}"
            raw = b"".join(self._cluster_bytes(c) for c in self._chain(match[0][2]))
        return raw

    def listdir(self, path: str = "") -> list[str]:
        """Short names in on-disk order (8.3, upper case)."""
        return [e[0] for e in self._entries(self._dir_raw(path))]

    def read(self, path: str) -> bytes:
        folder, _, name = path.rpartition("/")
        match = [e for e in self._entries(self._dir_raw(folder)) if e[0] == name.upper()]
        assert match, f"no file {path}"
        _, _, cluster, size = match[0]
        return b"".join(self._cluster_bytes(c) for c in self._chain(cluster))[:size]
