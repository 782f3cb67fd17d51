"""Where `broadcaster export` writes: a mounted card or folder, or a FAT image file.

Both offer the same few operations on paths relative to the medium's root
("01/001.MP3"), so the exporter has one code path, and its tests can run it
on a real FAT file system made in the test (a loop mount needs a kernel
module that containers lack).

`listdir` returns names in the order the medium stores them: for a mounted
FAT card that is `readdir` order, which the FAT drivers of Linux, macOS and
Windows give as the order of the entries on the disk; for an image it is
the order of the entries in the directory's clusters. On ext4 and other
hashed or sorted file systems it is not creation order, which is why the
exporter checks play order only on FAT media.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

from broadcaster.errors import InputError

_BLOCK = 1 << 20
# File systems whose directory order is the order entries were written (FAT
# and its relatives, also through FUSE); the players this is for read only these.
FAT_TYPES = {"vfat", "msdos", "fat", "exfat", "fuseblk", "fuse.exfat", "fuse.fusefat"}


def looks_like_fat_image(path: Path) -> bool:
    """A FAT boot sector: the 0x55AA signature and "FAT" in the BPB's type field."""
    try:
        with open(path, "rb") as f:
            sector = f.read(512)
    except OSError:
        return False
    return len(sector) == 512 and sector[510:512] == b"\x55\xaa" and (b"FAT" in sector[54:62] or b"FAT" in sector[82:90])


def fat_bits(path: Path) -> int:
    """12, 16 or 32: the FAT type as the specification decides it, by the number of clusters.

    Not by the label in the boot sector, which is only a label, and not as
    pyfatfs 1.1 decides it: it takes a FAT12 volume of 4,081 clusters (an
    8 MB mkfs.fat image) for FAT16 and then writes 16-bit entries into it.
    """
    import struct

    with open(path, "rb") as f:
        b = f.read(512)
    bytes_per_sector, sectors_per_cluster, reserved, fats, root_entries, total16 = struct.unpack_from("<HBHBHH", b, 11)
    (fat16_size,) = struct.unpack_from("<H", b, 22)
    total32, fat32_size = struct.unpack_from("<II", b, 32)
    if not bytes_per_sector or not sectors_per_cluster:
        return 0
    root_sectors = (root_entries * 32 + bytes_per_sector - 1) // bytes_per_sector
    data_sectors = (total16 or total32) - (reserved + fats * (fat16_size or fat32_size) + root_sectors)
    clusters = data_sectors // sectors_per_cluster
    return 12 if clusters < 4085 else 16 if clusters < 65525 else 32


def mount_fs_type(path: Path) -> str | None:
    """The file system type of the mount holding `path`, from /proc/mounts (None elsewhere)."""
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return None
    best, fs_type = "", None
    target = str(path.resolve())
    for line in mounts:
        parts = line.split()
        if len(parts) < 3:
            continue
        point = parts[1].replace("\\040", " ")
        if (target == point or target.startswith(point.rstrip("/") + "/")) and len(point) >= len(best):
            best, fs_type = point, parts[2]
    return fs_type


class FolderMedium:
    """A mounted card or a plain folder, through the operating system."""

    move_copies = False  # a rename moves the entry, never the bytes

    def __init__(self, root: Path):
        self.root = root

    def __str__(self) -> str:
        return str(self.root)

    def _p(self, rel: str) -> Path:
        return self.root / rel if rel else self.root

    def exists(self, rel: str) -> bool:
        return os.path.lexists(self._p(rel))

    def is_dir(self, rel: str) -> bool:
        return self._p(rel).is_dir()

    def listdir(self, rel: str = "") -> list[str]:
        return [entry.name for entry in os.scandir(self._p(rel))]

    def makedir(self, rel: str) -> None:
        os.mkdir(self._p(rel))

    def write_file(self, rel: str, chunks: Iterable[bytes]) -> None:
        with open(self._p(rel), "xb") as f:
            for chunk in chunks:
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
            # Drop the cached pages, so that reading back reads the card, not memory.
            with contextlib.suppress(AttributeError, OSError):
                os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)

    def read_chunks(self, rel: str) -> Iterator[bytes]:
        with open(self._p(rel), "rb") as f:
            yield from iter(lambda: f.read(_BLOCK), b"")

    def move(self, src: str, dst: str) -> None:
        os.rename(self._p(src), self._p(dst))

    def remove(self, rel: str) -> None:
        path = self._p(rel)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()

    def sync_dir(self, rel: str = "") -> None:
        # The directory entries must reach the card too, or a pulled card loses the renames.
        with contextlib.suppress(OSError):
            fd = os.open(self._p(rel), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def free_bytes(self) -> int:
        return shutil.disk_usage(self.root).free

    def reopen(self) -> None:
        pass  # reads already bypass the page cache (see write_file)

    def cluster_bytes(self) -> int:
        try:
            return max(512, os.statvfs(self.root).f_frsize)
        except (AttributeError, OSError):
            return 32768

    def close(self) -> None:
        pass


class FatImageMedium:
    """A FAT12/16/32 image file (to be written onto cards with dd or Etcher), through pyfatfs.

    pyfatfs moves a file by copying it and removing the original, so the
    exporter checks the checksums again after moving (see `move_copies`).
    """

    move_copies = True

    def __init__(self, image: Path):
        self.root = image
        bits = fat_bits(image)
        if bits == 12:
            # pyfatfs 1.1 writes FAT12 tables wrongly (fsck.fat then finds the files' clusters unallocated).
            raise InputError("a FAT12 image (a few MB); make it FAT16 or FAT32, e.g. mkfs.fat -F 16 -C card.img 65536", where=str(image))
        self._fs = self._open()
        if self._fs.fs.fat_type != bits:
            self._fs.close()
            raise InputError(f"pyfatfs reads this FAT{bits} image as FAT{self._fs.fs.fat_type}; it would damage it", where=str(image))

    def _open(self):
        import warnings

        from pyfatfs.PyFatFS import PyFatFS

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "not cleanly unmounted": a card pulled early; fsck's job, not ours
                return PyFatFS(str(self.root), encoding="ascii", preserve_case=True, lazy_load=True)
        except Exception as exc:  # pyfatfs raises several kinds for a damaged image
            raise InputError(f"not a FAT image pyfatfs can open ({exc})", where=str(self.root)) from None

    def reopen(self) -> None:
        """Write everything out and open the image again, so that checks read the file, not pyfatfs's memory."""
        self.close()
        self._fs = self._open()

    def __str__(self) -> str:
        return str(self.root)

    @staticmethod
    def _p(rel: str) -> str:
        return "/" + rel

    def exists(self, rel: str) -> bool:
        return self._fs.exists(self._p(rel))

    def is_dir(self, rel: str) -> bool:
        return self._fs.isdir(self._p(rel))

    def listdir(self, rel: str = "") -> list[str]:
        # PyFatFS.listdir puts folders first; the entry list is the on-disk order.
        entry = self._fs._get_dir_entry(self._p(rel))
        return [str(e) for e in entry._get_entries_raw() if not e.is_special() and not e.is_volume_id()]

    def makedir(self, rel: str) -> None:
        self._fs.makedir(self._p(rel))

    def write_file(self, rel: str, chunks: Iterable[bytes]) -> None:
        if self._fs.exists(self._p(rel)):
            raise FileExistsError(rel)
        with self._fs.openbin(self._p(rel), "w") as f:
            for chunk in chunks:
                f.write(chunk)

    def read_chunks(self, rel: str) -> Iterator[bytes]:
        with self._fs.openbin(self._p(rel), "r") as f:
            yield from iter(lambda: f.read(_BLOCK), b"")

    def move(self, src: str, dst: str) -> None:
        if self._fs.isdir(self._p(src)):
            self._fs.movedir(self._p(src), self._p(dst), create=True)
        else:
            self._fs.move(self._p(src), self._p(dst))

    def remove(self, rel: str) -> None:
        if self._fs.isdir(self._p(rel)):
            self._fs.removetree(self._p(rel))
        else:
            self._fs.remove(self._p(rel))

    def sync_dir(self, rel: str = "") -> None:
        pass  # pyfatfs writes directory clusters when they change; `close` flushes the FAT

    def free_bytes(self) -> int:
        fat = self._fs.fs
        # The FAT has more entries than the volume has clusters (it fills whole sectors): count only real ones.
        size = fat._get_total_sectors() * fat.bpb_header["BPB_BytsPerSec"]
        clusters = (size - fat.get_data_cluster_address(2)) // fat.bytes_per_cluster
        return sum(1 for cluster in fat.fat[2:2 + clusters] if cluster == 0) * fat.bytes_per_cluster

    def cluster_bytes(self) -> int:
        return self._fs.fs.bytes_per_cluster

    def close(self) -> None:
        self._fs.close()
        if fat_bits(self.root) == 32:
            update_fat32_fsinfo(self.root)
        with open(self.root, "rb+") as f:
            os.fsync(f.fileno())


def update_fat32_fsinfo(image: Path) -> None:
    """Make a FAT32 image's FSInfo sector true again: its free-cluster count and next-free hint.

    pyfatfs 1.1 allocates and frees clusters without touching FSInfo, so after an
    export the sector still says what mkfs said; fsck.fat reports "Free cluster
    summary wrong", and Windows or a player trusting the count shows the wrong
    free space. Only the FAT region is read (a card image may be gigabytes).
    An image without a valid FSInfo sector is left alone (the field is optional).
    """
    import struct
    import sys
    from array import array

    with open(image, "rb+") as f:
        boot = f.read(512)
        bytes_per_sector, sectors_per_cluster, reserved, fats = struct.unpack_from("<HBHB", boot, 11)
        (total16,) = struct.unpack_from("<H", boot, 19)
        total32, fat_sectors = struct.unpack_from("<II", boot, 32)
        (info_sector,) = struct.unpack_from("<H", boot, 48)
        if info_sector in (0, 0xFFFF) or info_sector >= reserved:
            return
        clusters = ((total16 or total32) - reserved - fats * fat_sectors) // sectors_per_cluster
        f.seek(reserved * bytes_per_sector)
        entries = array("I")
        entries.frombytes(f.read(4 * (clusters + 2)))
        if sys.byteorder == "big":
            entries.byteswap()
        entries = entries[2:]
        # A free entry is 0 in its low 28 bits (the top 4 are reserved): count each top nibble in C, not a Python loop.
        free = sum(entries.count(top << 28) for top in range(16))
        firsts = [entries.index(top << 28) for top in range(16) if entries.count(top << 28)]
        next_free = min(firsts) + 2 if firsts else 0xFFFFFFFF  # "no hint" when the card is full
        f.seek(info_sector * bytes_per_sector)
        info = f.read(512)
        if info[:4] != b"RRaA" or info[484:488] != b"rrAa" or info[510:512] != b"\x55\xaa":
            return
        f.seek(info_sector * bytes_per_sector + 488)
        f.write(struct.pack("<II", free, next_free))


def sha256_chunks(chunks: Iterable[bytes]) -> str:
    h = hashlib.sha256()
    for chunk in chunks:
        h.update(chunk)
    return h.hexdigest()


def open_target(to: Path, device: str):
    """The medium for --to: a folder (made for --device folder), or a FAT image file."""
    if to.is_file():
        if not looks_like_fat_image(to):
            raise InputError("is a file, not a folder or a FAT image", where=str(to))
        if not os.access(to, os.W_OK):
            raise InputError("the image is read-only", where=str(to))
        return FatImageMedium(to)
    if not to.exists():
        if device != "folder":
            raise InputError(f"no such folder (is the {'SD card' if device == 'sdcard' else 'USB stick'} mounted?)", where=str(to))
        try:
            to.mkdir()
        except OSError as exc:
            raise InputError(f"cannot create the folder ({exc.strerror})", where=str(to)) from None
    elif not to.is_dir():
        raise InputError("not a folder", where=str(to))
    try:
        read_only = bool(os.statvfs(to).f_flag & os.ST_RDONLY)
    except (AttributeError, OSError):
        read_only = False
    if read_only or not os.access(to, os.W_OK):
        raise InputError("read-only (is the card's lock switch on?)" if device == "sdcard" else "read-only", where=str(to))
    fs_type = mount_fs_type(to)
    if device != "folder" and fs_type is not None and fs_type not in FAT_TYPES:
        raise InputError(f"is on a {fs_type} file system, not a FAT card: boards play files in on-disk order, "
                         "which only an export straight onto the card keeps (use --device folder to copy later)", where=str(to))
    return FolderMedium(to)
