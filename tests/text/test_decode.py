"""Input decoding."""
from __future__ import annotations

import codecs

import pytest

from broadcaster.errors import TextError
from broadcaster.prepare import read_text_input

TEXT = "关于开展冬季农田水利建设的通知\n各村民小组：请相互转告。\n"
TRAD = "關於開展冬季農田水利建設的通知，請各戶相互轉告。\n"


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        codecs.BOM_UTF8 + TEXT.encode("utf-8"),
        TEXT.encode("utf-16"),  # with BOM
        codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
        TEXT.encode("gbk"),
        TEXT.encode("gb18030"),
        TEXT.replace("\n", "\r\n").encode("gbk"),
    ],
    ids=["utf8", "utf8-bom", "utf16-le-bom", "utf16-be-bom", "gbk", "gb18030", "gbk-crlf"],
)
def test_encodings(tmp_path, data):
    p = tmp_path / "in.txt"
    p.write_bytes(data)
    assert read_text_input(p) == TEXT


def test_traditional_kept_as_written_in_big5_and_utf8(tmp_path):
    for enc in ("big5", "utf-8"):
        p = tmp_path / f"{enc}.txt"
        p.write_bytes(TRAD.encode(enc))
        assert read_text_input(p) == TRAD


def test_short_gbk_line(tmp_path):
    p = tmp_path / "short.txt"
    p.write_bytes("通知".encode("gbk"))
    assert read_text_input(p) == "通知"


@pytest.mark.parametrize(
    "data,word",
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"PK\x03\x04\x14\x00\x06\x00", "ZIP"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "PNG"),
        (bytes(range(256)) * 4, "binary"),
    ],
)
def test_binary_input_is_a_text_error(tmp_path, data, word):
    p = tmp_path / "x.txt"
    p.write_bytes(data)
    with pytest.raises(TextError) as exc:
        read_text_input(p)
    assert word in str(exc.value)
    assert exc.value.where == str(p)
    assert "\n" not in str(exc.value)


def test_missing_file(tmp_path):
    with pytest.raises(TextError, match="not found"):
        read_text_input(tmp_path / "nope.txt")


def test_empty_file_is_empty_text(tmp_path):
    p = tmp_path / "empty.txt"
    p.write_bytes(b"")
    assert read_text_input(p) == ""
