"""Documents through the real commands: `broadcaster text` reads a .docx,
a PDF and a link into the same spoken lines as the .txt and names the reader
in --explain; bad documents are one line on stderr and exit 2; a render
records the reader and source of every article in the manifest."""
from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from support import REPO, write_script

sys.path.insert(0, str(REPO / "tests" / "text"))
import documents as D  # noqa: E402


@pytest.fixture(scope="module")
def docs(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("docs")
    return {"txt": D.write_txt(d / "notice.txt"), "docx": D.write_docx(d / "notice.docx"), "pdf": D.write_pdf(d / "notice.pdf")}


@pytest.mark.parametrize("kind", ["docx", "pdf"])
def test_text_speaks_a_document_like_its_txt(docs, run_cli, kind):
    code, expected, err = run_cli("text", str(docs["txt"]))
    assert code == 0, err
    code, out, err = run_cli("text", str(docs[kind]))
    assert code == 0, err
    assert out == expected and out.startswith("泰县人民政府办公室关于做好冬季农田水利建设工作的通知\n")


@pytest.mark.parametrize("kind, reader", [("txt", "text"), ("docx", "docx"), ("pdf", "pdf (pypdf)")])
def test_explain_names_the_reader(docs, run_cli, kind, reader):
    code, out, err = run_cli("text", str(docs[kind]), "--explain")
    assert code == 0, err
    assert out.splitlines()[:3] == [f"reader: {reader}", "", "[1] headline"]


def _bad(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    cases = {
        "not-a-zip.docx": (b"PK\x03\x04 not a zip", "this .docx is damaged (not a readable ZIP container)"),
        "cut.pdf": (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog", "this PDF is cut short (no end-of-file marker); download or copy it again"),
        "empty.pdf": (b"", "the document is empty"),
        "photo.docx": (b"\xff\xd8\xff\xe0" + b"\0" * 64, "this is a JPEG image, not a document"),
    }
    out = {}
    for name, (data, message) in cases.items():
        (tmp_path / name).write_bytes(data)
        out[name] = (tmp_path / name, message)
    return out


def test_bad_documents_are_one_line_and_exit_2(tmp_path):
    for name, (path, message) in _bad(tmp_path).items():
        proc = subprocess.run([sys.executable, "-m", "broadcaster", "text", str(path)], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2, name
        assert proc.stdout == ""
        assert proc.stderr == f"broadcaster: error: {path}: {message}\n", name


class _Page(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self):  # noqa: N802
        if self.path != "/news.html":
            self.send_error(404, "Not Found")
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def site(monkeypatch):
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    _Page.body = D.wechat_page().encode()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_render_records_reader_and_source(docs, tmp_path, site, fake_engine):
    from broadcaster.render import render_programme
    from broadcaster.script import load_script

    script = write_script(tmp_path, f"""\
title: 镇村广播
date: 2026-11-30
voice: {{engine: fake, name: v1}}
items:
  - article: {docs['docx']}
  - article: {site}/news.html
""")
    result = render_programme(load_script(script), tmp_path / "out")
    items = json.loads((result.out_dir / "manifest.json").read_text(encoding="utf-8"))["items"]
    assert [(i["reader"], i["source"]) for i in items] == [
        ("docx", str(docs["docx"])), ("html (WeChat article, #js_content)", f"{site}/news.html")]
    assert items[0]["reader_notes"] == [] and items[1]["reader_notes"][0].startswith(f"fetched {site}/news.html (sha256 ")
    assert items[0]["title"] == "泰县人民政府办公室关于做好冬季农田水利建设工作…"
    assert items[1]["text"].startswith("溱潼镇冬季水利建设集中行动今天启动")


def test_links_in_a_script_refused_offline_and_404_named(tmp_path, site, run_cli):
    from broadcaster.errors import TextError
    from broadcaster.render import plan_programme
    from broadcaster.script import load_script

    script = write_script(tmp_path, f"title: t\nitems:\n  - article: {site}/news.html\n")
    with pytest.raises(TextError, match=r"script\.yaml:3: http://127\.0\.0\.1:\d+/news\.html: is a link, and --offline forbids"):
        plan_programme(load_script(script), offline=True)
    code, out, err = run_cli("render", str(script), "--offline", "--quiet", "--out", str(tmp_path / "out"))
    assert code == 2 and err.count("\n") == 1 and "is a link, and --offline forbids" in err
    assert not (tmp_path / "out").exists()
    missing = write_script(tmp_path, f"title: t\nitems:\n  - article: {site}/gone.html\n", name="missing.yaml")
    code, out, err = run_cli("text", str(missing))
    assert code == 2 and out == ""
    assert err.strip().endswith(f"missing.yaml:3: {site}/gone.html: the server answered 404 Not Found")
    assert err.count("\n") == 1


def test_a_script_link_must_be_a_web_link(tmp_path, run_cli):
    script = write_script(tmp_path, "title: t\nitems:\n  - article: https:///news.html\n")
    code, _, err = run_cli("check", str(script))
    assert code == 2
    assert "script.yaml:3: items[1].article: https:///news.html: the link has no host name" in err


def test_text_reads_a_link_and_a_piped_document(docs, site, run_cli):
    code, out, err = run_cli("text", f"{site}/news.html", "--explain")
    assert code == 0, err
    reader, note, blank = out.splitlines()[:3]
    assert reader == "reader: html (WeChat article, #js_content)" and blank == ""
    assert note.startswith(f"note: fetched {site}/news.html (sha256 ")
    proc = subprocess.run([sys.executable, "-m", "broadcaster", "text", "-"], input=docs["docx"].read_bytes(),
                          capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    expected = subprocess.run([sys.executable, "-m", "broadcaster", "text", str(docs["txt"])], capture_output=True, timeout=60)
    assert proc.stdout == expected.stdout and proc.stdout.startswith("泰县人民政府办公室".encode())
