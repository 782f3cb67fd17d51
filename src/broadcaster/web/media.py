"""Where the export page may write: the office computer's removable media, and what an export's errors mean.

`detected_media()` lists the mounted cards and sticks the page offers as
choices (staff may also type a path). Set `BROADCASTER_MEDIA_ROOTS` (folders
separated by the platform's path separator) to list the folders inside those
instead: for a machine that mounts cards elsewhere, and for the tests.

    >>> export_error_zh(InputError("read-only", where="/media/u/CARD"))
    '无法写入 /media/u/CARD：它是只读的。'
"""
from __future__ import annotations

import getpass
import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from broadcaster.errors import BroadcasterError, InputError

MEDIA_ENV = "BROADCASTER_MEDIA_ROOTS"
DEVICES_ZH = {"usb": "U盘", "sdcard": "SD卡", "folder": "普通文件夹（以后再复制到卡上）"}
LAYOUTS_ZH = {"folders": "编号文件夹：01/001.MP3（大多数插卡播放板）", "mp3dir": "MP3 文件夹：MP3/0001.MP3"}
WHAT_ZH = {"programme": "整档节目（一个文件）", "items": "每条内容一个文件", "both": "两者都要"}


@dataclass(frozen=True)
class Medium:
    path: str
    name: str
    free_bytes: int | None

    @property
    def label(self) -> str:
        free = f"，剩余 {self.free_bytes / 1e9:.1f} GB" if self.free_bytes is not None else ""
        return f"{self.name}（{self.path}{free}）"


def detected_media(env: Mapping[str, str] | None = None, platform: str | None = None) -> list[Medium]:
    """Mounted removable media: Linux /media/<user>/*, /run/media/<user>/*, /media/*, /mnt/*;
    macOS /Volumes/*; Windows the removable drive letters. Only mount points are listed
    (an empty /mnt/usb folder is not a card), except under BROADCASTER_MEDIA_ROOTS."""
    env = os.environ if env is None else env
    platform = platform or sys.platform
    configured = env.get(MEDIA_ENV)
    if configured is not None:
        roots, mounts_only = [Path(p) for p in configured.split(os.pathsep) if p], False
    elif platform.startswith("win"):
        return _windows_removable()
    elif platform == "darwin":
        roots, mounts_only = [Path("/Volumes")], True
    else:
        user = _user()
        roots, mounts_only = [Path("/media") / user, Path("/run/media") / user, Path("/media"), Path("/mnt")], True
    found: dict[str, Medium] = {}
    for root in roots:
        try:
            entries = sorted(os.scandir(root), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            path = Path(entry.path)
            if entry.name.startswith(".") or not entry.is_dir() or (mounts_only and not os.path.ismount(path)):
                continue
            found.setdefault(str(path), Medium(str(path), entry.name, _free(path)))
    return list(found.values())


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def _free(path: Path) -> int | None:
    try:
        return shutil.disk_usage(path).free
    except OSError:
        return None


def _windows_removable() -> list[Medium]:
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    mask = kernel32.GetLogicalDrives()
    out = []
    for n in range(26):
        root = f"{chr(ord('A') + n)}:\\"
        if mask >> n & 1 and kernel32.GetDriveTypeW(root) == 2:  # DRIVE_REMOVABLE
            out.append(Medium(root, root[:2], _free(Path(root))))
    return out


# The exporter's messages (package/export.py, export_media.py) are English, for the
# command line; each kind a clerk can meet becomes one sentence saying what to do.
_MESSAGES = (
    (r"read-only \(is the card's lock", "{where} 是只读的：SD卡侧面的写保护开关是否拨到了“LOCK”？拨回后重新插卡再试。"),
    (r"read-only", "无法写入 {where}：它是只读的。"),
    (r"not enough free space: ([\d.]+) MB free, the export needs ([\d.]+) MB",
     "{where} 空间不够：剩余 {0} MB，这次导出需要 {1} MB。请删掉卡上不用的文件，或换一张卡。"),
    (r"the medium is full", "{where} 已经写满了，卡上原有内容没有改变。请腾出空间或换一张卡。"),
    (r"is a file, not a folder|not a folder", "{where} 不是文件夹，请选择U盘、SD卡或一个文件夹。"),
    (r"no such folder", "找不到 {where}：U盘或SD卡插好了吗？"),
    (r"cannot create the folder", "无法在 {where} 建文件夹，请检查位置是否正确。"),
    (r"(\S+) is in the way and was not written by broadcaster export \((\d+) such\)",
     "{where} 上已经有不是本软件导出的内容（{0}，共 {1} 项），为免误删没有导出。请先把它们移走，"
     "或勾选“清除卡上其他音频”后再导出。"),
    (r"not a FAT card", "{where} 不是FAT格式的U盘或SD卡，播放板按卡上的写入顺序播放，只有直接导出到卡上才能保证顺序。"
                        "要先导出到电脑上的文件夹，请在“设备”里选“普通文件夹”。"),
    (r"inside the output folder", "不能导出到节目自己的文件夹里，请选择U盘或SD卡。"),
    (r"no item files", "这期节目没有分段文件，请在“导出内容”里选“整档节目”。"),
    (r"missing \(render again\)|does not match the checksum", "节目文件不完整或已被改动，请重新制作后再导出。"),
    (r"read back different bytes", "写到 {where} 的内容读出来不一样：这张卡可能坏了，请换一张卡。"),
    (r"directory order|folders are in the order", "{where} 上的文件顺序不对，播放顺序会乱：请格式化这张卡，或勾选“清除卡上其他音频”后再导出。"),
    (r"cannot write|moving the new files into place failed", "写入 {where} 失败，卡上原有内容没有改变。请检查卡是否插好后重试。"),
    (r"FAT12 image|FAT image|pyfatfs", "{where} 这个磁盘映像文件用不了，请导出到U盘、SD卡或文件夹。"),
)


def export_error_zh(exc: BaseException) -> str:
    """One Chinese sentence for an export that could not be done, the English detail kept after it for whoever helps."""
    if isinstance(exc, InputError):
        message, where = exc.message, exc.where or "目标位置"
    elif isinstance(exc, BroadcasterError):
        message, where = str(exc), "U盘或SD卡"
    elif isinstance(exc, OSError):
        return f"无法写入：{exc.strerror or exc}。请检查U盘或SD卡是否插好、有没有写保护。"
    else:
        return f"导出时出现意外错误（{type(exc).__name__}: {exc}）"
    for pattern, text in _MESSAGES:
        found = re.search(pattern, message)
        if found:
            return text.format(*found.groups(), where=where)
    return f"导出失败（{message}）"
