"""`broadcaster export`: a render laid out on a FAT card image (and a folder) in play order.

The FAT images are real FAT16 file systems made in the test (and FAT16 and FAT32 ones by mkfs.fat); `fat_image.Fat16Reader`
reads their directories byte by byte, so the order checked is the on-disk order
a player board follows, and the bytes checked are the bytes on the "card".
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess

import pytest
from broadcaster.package.export_media import FAT_TYPES, mount_fs_type
from broadcaster.render import render_programme
from broadcaster.script import load_script
from broadcaster.synthesise.engines import base
from fat_image import Fat16Reader, make_fat16_image
from support import FakeEngine, write_script

SCRIPT = """\
title: 湖东村早间广播
date: 2026-11-30
voice: {engine: fake, name: v1}
items:
  - jingle: chime
  - text: 各位村民请注意，现在开始广播。
  - text: 明天上午在村委会召开冬季水利建设动员会。
  - pause: 1
  - text: 以上是今天的广播，谢谢收听。
  - jingle: chime-end
"""


@pytest.fixture(scope="module")
def render_dir(tmp_path_factory):
    """One render with the fake engine, shared by the tests (they only read it, or copy it)."""
    folder = tmp_path_factory.mktemp("render")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BROADCASTER_CACHE_DIR", str(folder / "cache"))
        base.register_engine("fake", FakeEngine, replace=True)
        try:
            render_programme(load_script(write_script(folder, SCRIPT)), folder / "out")
        finally:
            base.unregister_engine("fake")
    return folder / "out"


@pytest.fixture
def manifest(render_dir):
    return json.loads((render_dir / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture
def card(tmp_path):
    return make_fat16_image(tmp_path / "card.img")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_both_on_a_fat_image_in_on_disk_play_order(render_dir, manifest, card, run_cli):
    code, out, err = run_cli("export", str(render_dir), "--to", str(card), "--what", "both")
    assert (code, err) == (0, "")
    disk = Fat16Reader(card)
    assert [n for n in disk.listdir() if n[0].isdigit()] == ["01", "02"]
    assert disk.listdir("01") == ["001.MP3"]
    assert disk.listdir("02") == ["001.MP3", "002.MP3", "003.MP3"]
    assert _sha(disk.read("01/001.MP3")) == manifest["sha256"]
    spoken = [i for i in manifest["items"] if i["file"]]
    assert [_sha(disk.read(f"02/00{n}.MP3")) for n in (1, 2, 3)] == [i["sha256"] for i in spoken]
    assert disk.listdir()[:2] == ["01", "02"]
    assert len(disk.listdir()) == 4  # and 节目单.txt and the record: the staging folder is gone
    assert out.splitlines()[-1] == f"wrote 4 files ({sum(len(disk.read(p)) for p in ['01/001.MP3', '02/001.MP3', '02/002.MP3', '02/003.MP3']) / 1e6:.1f} MB) and 节目单.txt to {card}, in play order, checked"


def test_programme_list_is_utf8_bom_crlf(render_dir, tmp_path, run_cli):
    target = tmp_path / "folder"
    code, _, err = run_cli("export", str(render_dir), "--device", "folder", "--to", str(target), "--what", "both")
    assert (code, err) == (0, "")
    assert (target / "节目单.txt").read_bytes() == (
        "\ufeff湖东村早间广播  2026-11-30\r\n"
        "\r\n"
        "文件\t时长\t内容\r\n"
        "01/001.MP3\t0:20\t湖东村早间广播\r\n"
        "02/001.MP3\t0:03\t各位村民请注意，现在开始广播\r\n"
        "02/002.MP3\t0:04\t明天上午在村委会召开冬季水利建设动员会\r\n"
        "02/003.MP3\t0:03\t以上是今天的广播，谢谢收听\r\n"
    ).encode("utf-8")


def test_mp3dir_layout_and_re_export_replaces_only_its_own_files(render_dir, manifest, tmp_path, run_cli):
    target = tmp_path / "folder"
    target.mkdir()
    (target / "readme.txt").write_text("the village's own file", encoding="utf-8")
    assert run_cli("export", str(render_dir), "--device", "folder", "--to", str(target), "--what", "both")[0] == 0
    code, out, err = run_cli("export", str(render_dir), "--device", "folder", "--to", str(target),
                             "--what", "items", "--layout", "mp3dir")
    assert (code, err) == (0, "")
    assert sorted(os.listdir(target)) == [".broadcaster-export.json", "MP3", "readme.txt", "节目单.txt"]
    assert sorted(os.listdir(target / "MP3")) == ["0001.MP3", "0002.MP3", "0003.MP3"]
    assert (target / "readme.txt").read_text(encoding="utf-8") == "the village's own file"
    assert "removed: 01, 02" in out
    record = json.loads((target / ".broadcaster-export.json").read_text(encoding="utf-8"))
    spoken = [i["sha256"] for i in manifest["items"] if i["file"]]
    assert [record["files"][f"MP3/000{n}.MP3"] for n in (1, 2, 3)] == spoken
    assert [_sha((target / f"MP3/000{n}.MP3").read_bytes()) for n in (1, 2, 3)] == spoken


def test_files_it_did_not_write_are_refused_unless_clean(render_dir, manifest, card, run_cli):
    from pyfatfs.PyFatFS import PyFatFS

    fs = PyFatFS(str(card))
    fs.makedir("/01")
    fs.writebytes("/01/001.MP3", b"someone else's song")
    fs.writebytes("/SONG.MP3", b"another")
    fs.close()
    code, out, err = run_cli("export", str(render_dir), "--to", str(card))
    assert code == 2 and out == ""
    assert err == f"broadcaster: error: {card}: 01 is in the way and was not written by broadcaster export (1 such); move it away or use --clean\n"
    assert Fat16Reader(card).read("01/001.MP3") == b"someone else's song"
    code, out, err = run_cli("export", str(render_dir), "--to", str(card), "--clean")
    assert (code, err) == (0, "")
    disk = Fat16Reader(card)
    assert "SONG.MP3" not in disk.listdir() and _sha(disk.read("01/001.MP3")) == manifest["sha256"]
    assert "removed: SONG.MP3" in out


def test_full_card_is_refused_and_left_as_it_was(render_dir, card, run_cli):
    from pyfatfs.PyFatFS import PyFatFS

    needed = sum(f.stat().st_size for f in render_dir.rglob("*.mp3"))
    fs = PyFatFS(str(card))
    fs.writebytes("/PHOTOS.BIN", b"\0" * (Fat16Reader(card).free_bytes() - needed // 2))
    fs.close()
    assert Fat16Reader(card).free_bytes() < needed
    before = card.read_bytes()
    code, out, err = run_cli("export", str(render_dir), "--to", str(card), "--what", "both")
    assert code == 2 and out == ""
    assert err.startswith(f"broadcaster: error: {card}: not enough free space: ") and err.count("\n") == 1
    assert card.read_bytes() == before


def test_failure_mid_export_keeps_the_earlier_export_and_no_temporaries(render_dir, manifest, card, tmp_path, run_cli):
    assert run_cli("export", str(render_dir), "--to", str(card), "--what", "both")[0] == 0
    damaged = tmp_path / "render"
    shutil.copytree(render_dir, damaged)
    last = damaged / [i for i in manifest["items"] if i["file"]][-1]["file"]
    last.write_bytes(last.read_bytes()[:-100])  # the third item's file was cut short after the render
    code, out, err = run_cli("export", str(damaged), "--to", str(card), "--what", "both")
    assert code == 2 and out == ""
    assert err == f"broadcaster: error: {last}: does not match the checksum in manifest.json (render again)\n"
    disk = Fat16Reader(card)
    assert disk.listdir()[:2] == ["01", "02"]
    assert len(disk.listdir()) == 4  # 01, 02, 节目单.txt and the record; the staging folder is gone
    assert _sha(disk.read("01/001.MP3")) == manifest["sha256"]
    spoken = [i["sha256"] for i in manifest["items"] if i["file"]]
    assert [_sha(disk.read(f"02/00{n}.MP3")) for n in (1, 2, 3)] == spoken


def test_a_killed_exports_staging_folder_is_removed(render_dir, tmp_path, run_cli):
    target = tmp_path / "folder"
    (target / ".broadcaster-export.tmp" / "01").mkdir(parents=True)
    (target / ".broadcaster-export.tmp" / "01" / "001.MP3").write_bytes(b"half a fi")
    assert run_cli("export", str(render_dir), "--device", "folder", "--to", str(target))[0] == 0
    assert sorted(os.listdir(target)) == [".broadcaster-export.json", "01", "节目单.txt"]


@pytest.mark.parametrize("case, message", [
    ("missing", "{src}: no such output folder"),
    ("not-a-render", "{src}: not a render's output folder (no manifest.json)"),
    ("bad-manifest", "{src}/manifest.json: items: missing or of the wrong type"),
])
def test_bad_output_folder(case, message, tmp_path, run_cli):
    src = tmp_path / "src"
    if case != "missing":
        src.mkdir()
    if case == "bad-manifest":
        (src / "manifest.json").write_text('{"title": "t", "file": "programme.mp3", "sha256": "x", "duration_s": 1}')
    code, out, err = run_cli("export", str(src), "--device", "folder", "--to", str(tmp_path / "to"))
    assert (code, out, err) == (2, "", f"broadcaster: error: {message.format(src=src)}\n")
    assert not (tmp_path / "to").exists() or not os.listdir(tmp_path / "to")


def test_bad_targets(render_dir, tmp_path, run_cli):
    plain = tmp_path / "notes.txt"
    plain.write_text("not a card")
    assert run_cli("export", str(render_dir), "--to", str(plain))[2] == \
        f"broadcaster: error: {plain}: is a file, not a folder or a FAT image\n"
    missing = tmp_path / "nocard"
    assert run_cli("export", str(render_dir), "--to", str(missing))[2] == \
        f"broadcaster: error: {missing}: no such folder (is the SD card mounted?)\n"
    assert run_cli("export", str(render_dir), "--to", str(tmp_path), "--device", "cd")[2] == \
        "broadcaster: error: export: --device must be one of sdcard, usb, folder, not 'cd'\n"
    assert not missing.exists()


def test_sdcard_onto_a_disk_that_is_not_fat_is_refused(render_dir, tmp_path, run_cli):
    fs_type = mount_fs_type(tmp_path)
    if fs_type is None or fs_type in FAT_TYPES:
        pytest.skip(f"the test folder's file system is {fs_type}")
    code, _, err = run_cli("export", str(render_dir), "--device", "usb", "--to", str(tmp_path))
    assert code == 2 and err.startswith(f"broadcaster: error: {tmp_path}: is on a {fs_type} file system, not a FAT card")
    assert os.listdir(tmp_path) == []


@pytest.fixture
def read_only_mount(tmp_path):
    point = tmp_path / "locked"
    point.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(point)], capture_output=True, check=False) \
        if shutil.which("mount") and os.geteuid() == 0 else None
    if made is None or made.returncode != 0:
        pytest.skip("cannot mount a read-only tmpfs here (needs root)")
    yield point
    subprocess.run(["umount", str(point)], check=True)


def test_read_only_target(render_dir, read_only_mount, run_cli):
    code, out, err = run_cli("export", str(render_dir), "--device", "folder", "--to", str(read_only_mount))
    assert (code, out, err) == (2, "", f"broadcaster: error: {read_only_mount}: read-only\n")


def test_a_file_dropped_into_its_folder_is_in_the_way_until_clean(render_dir, manifest, card, run_cli):
    from pyfatfs.PyFatFS import PyFatFS

    assert run_cli("export", str(render_dir), "--to", str(card), "--what", "items")[0] == 0
    fs = PyFatFS(str(card))
    fs.writebytes("/01/009.MP3", b"added by hand")
    fs.close()
    code, _, err = run_cli("export", str(render_dir), "--to", str(card), "--what", "items")
    assert code == 2 and "01/009.MP3 is in the way and was not written by broadcaster export" in err
    assert run_cli("export", str(render_dir), "--to", str(card), "--what", "items", "--clean")[0] == 0
    disk = Fat16Reader(card)
    assert disk.listdir("01") == ["001.MP3", "002.MP3", "003.MP3"]
    assert [_sha(disk.read(f"01/00{n}.MP3")) for n in (1, 2, 3)] == [i["sha256"] for i in manifest["items"] if i["file"]]
    if shutil.which("fsck.fat"):  # dosfstools, where installed: the file system is consistent
        check = subprocess.run(["fsck.fat", "-n", str(card)], capture_output=True, text=True, check=False)
        assert check.returncode == 0, check.stdout + check.stderr


def test_fat12_image_is_refused_before_anything_is_written(render_dir, tmp_path, run_cli):
    from pyfatfs.PyFat import PyFat

    image = tmp_path / "small.img"
    image.write_bytes(b"\0" * (2 << 20))
    fat = PyFat()
    fat.mkfs(str(image), PyFat.FAT_TYPE_FAT12, size=2 << 20)
    fat.close()
    before = image.read_bytes()
    code, out, err = run_cli("export", str(render_dir), "--to", str(image))
    assert (code, out) == (2, "")
    assert err == f"broadcaster: error: {image}: a FAT12 image (a few MB); make it FAT16 or FAT32, e.g. mkfs.fat -F 16 -C card.img 65536\n"
    assert image.read_bytes() == before


def test_an_export_killed_while_moving_gets_its_earlier_files_back(render_dir, manifest, tmp_path, run_cli):
    target = tmp_path / "folder"
    assert run_cli("export", str(render_dir), "--device", "folder", "--to", str(target))[0] == 0
    # What a kill between moving the old folder aside and moving the new one in leaves behind:
    (target / ".broadcaster-export.tmp" / "aside").mkdir(parents=True)
    (target / "01").rename(target / ".broadcaster-export.tmp" / "aside" / "01")
    code, _, err = run_cli("export", str(render_dir), "--device", "folder", "--to", str(target), "--what", "items", "--layout", "mp3dir")
    assert (code, err) == (0, "")
    assert sorted(os.listdir(target)) == [".broadcaster-export.json", "MP3", "节目单.txt"]  # 01 came back, and was then replaced as ours
    assert sorted(os.listdir(target / "MP3")) == ["0001.MP3", "0002.MP3", "0003.MP3"]


@pytest.mark.parametrize("bits, size_mb", [(16, 32), (32, 64)])
def test_a_card_made_by_mkfs_fat_checks_clean_after_export(render_dir, manifest, tmp_path, run_cli, bits, size_mb):
    """fsck.fat -n also checks FAT32's FSInfo sector (the free-cluster count and the next-free hint that
    Windows and cameras trust), which FAT16 has not: an export must leave it true."""
    if not (shutil.which("mkfs.fat") and shutil.which("fsck.fat")):
        pytest.skip("dosfstools (mkfs.fat, fsck.fat) is not installed")
    card = tmp_path / f"fat{bits}.img"
    subprocess.run(["mkfs.fat", "-F", str(bits), "-C", str(card), str(size_mb * 1024)], check=True, capture_output=True)
    for what in ("both", "items"):  # a second export removes the first one's files: the count must follow both ways
        code, _, err = run_cli("export", str(render_dir), "--to", str(card), "--what", what)
        assert (code, err) == (0, "")
        check = subprocess.run(["fsck.fat", "-n", str(card)], capture_output=True, text=True, check=False)
        assert check.returncode == 0 and "wrong" not in check.stdout, check.stdout + check.stderr
        if bits == 32:  # the FSInfo sector says what fsck.fat counted ("<files> files, <used>/<total> clusters")
            used, total = map(int, re.search(r"(\d+)/(\d+) clusters", check.stdout).groups())
            assert _fsinfo(card) == (total - used, _first_free_cluster(card))


def _fsinfo(image) -> tuple[int, int]:
    """(free count, next free) as the FSInfo sector says, found through the boot sector."""
    import struct

    data = image.read_bytes()
    bytes_per_sector, = struct.unpack_from("<H", data, 11)
    sector, = struct.unpack_from("<H", data, 48)
    return struct.unpack_from("<II", data, sector * bytes_per_sector + 488)


def _first_free_cluster(image) -> int:
    import struct

    data = image.read_bytes()
    bytes_per_sector, _, reserved = struct.unpack_from("<HBH", data, 11)
    start = reserved * bytes_per_sector
    cluster = 2
    while struct.unpack_from("<I", data, start + 4 * cluster)[0] & 0x0FFFFFFF:
        cluster += 1
    return cluster
