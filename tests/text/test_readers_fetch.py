"""`article: https://…` against a local HTTP server on 127.0.0.1: documents
by Content-Type and content, the cache, and every way a link goes wrong."""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import documents as D
import pytest

from broadcaster.errors import TextError
from broadcaster.prepare.pipeline import finish_document
from broadcaster.prepare.readers import fetch


class _Handler(BaseHTTPRequestHandler):
    routes: dict = {}
    hits: dict = {}

    def do_GET(self):  # noqa: N802 - http.server's name
        self.hits[self.path] = self.hits.get(self.path, 0) + 1
        route = self.routes.get(self.path.split("?")[0])
        if route is None:
            self.send_error(404, "Not Found")
            return
        status, headers, body, delay = route
        if callable(body):
            body = body(self)
        time.sleep(delay)
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path, monkeypatch):
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    html = D.gov_page().encode()
    pdf = D.write_pdf(tmp_path / "n.pdf").read_bytes()
    docx = D.write_docx(tmp_path / "n.docx").read_bytes()
    _Handler.hits = {}
    _Handler.routes = {
        "/news.html": (200, {"Content-Type": "text/html; charset=utf-8"}, html, 0),
        "/notice.pdf": (200, {"Content-Type": "application/pdf"}, pdf, 0),
        "/download": (200, {"Content-Type": "application/octet-stream"}, docx, 0),
        "/image": (200, {"Content-Type": "image/png"}, b"\x89PNG\r\n\x1a\n", 0),
        "/loop": (302, {"Location": "/loop2"}, b"", 0),
        "/loop2": (302, {"Location": "/loop"}, b"", 0),
        "/moved": (301, {"Location": "/news.html"}, b"", 0),
        "/slow": (200, {"Content-Type": "text/html"}, html, 3.0),
        "/big": (200, {"Content-Type": "text/plain"}, b"x" * 5000, 0),
        "/ftp": (302, {"Location": "ftp://127.0.0.1/x"}, b"", 0),
    }
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _read(url: str, **kw):
    return finish_document(fetch.read_url(url, **kw), where=url)


@pytest.mark.parametrize("path, reader, text", [
    ("/news.html", "html (government page, <!--ContentStart--> marks)", "\n".join([D.GOV_TITLE, *D.GOV_BODY])),
    ("/moved", "html (government page, <!--ContentStart--> marks)", "\n".join([D.GOV_TITLE, *D.GOV_BODY])),
    ("/notice.pdf", "pdf (pypdf)", D.clean_notice()),
    ("/download", "docx", D.clean_notice()),
])
def test_a_link_reads_like_the_file(server, path, reader, text):
    article = _read(server + path)
    assert article.reader == reader
    assert article.text == text
    assert article.notes[-1].startswith(f"fetched {server}{path} (sha256 ")


def test_a_link_is_fetched_once_then_cached(server, private_cache, monkeypatch):
    first = _read(server + "/news.html")
    second = _read(server + "/news.html")
    assert _Handler.hits["/news.html"] == 1
    assert second.text == first.text and second.notes[-1].startswith("cached copy")
    blobs = list((private_cache / "articles" / "blobs").iterdir())
    assert len(blobs) == 1 and len(blobs[0].name) == 64  # stored by content hash
    monkeypatch.setenv("BROADCASTER_FETCH_MAX_AGE_S", "0")
    _read(server + "/news.html")
    assert _Handler.hits["/news.html"] == 2
    assert len(list((private_cache / "articles" / "blobs").iterdir())) == 1  # same content, same blob


@pytest.mark.parametrize("path, pattern", [
    ("/missing", "the server answered 404 Not Found"),
    ("/image", "the link returned image/png, not a document"),
    ("/loop", r"too many redirects \(more than 5, or a loop\)"),
    ("/ftp", "too many redirects|redirect to a non-web address"),
])
def test_bad_links(server, path, pattern):
    url = server + path
    with pytest.raises(TextError, match=pattern) as info:
        _read(url)
    assert str(info.value).startswith(url + ": ") and "\n" not in str(info.value)


def test_a_link_that_times_out(server, monkeypatch):
    monkeypatch.setattr(fetch, "TIMEOUT_S", 0.5)
    start = time.monotonic()
    with pytest.raises(TextError, match="cannot fetch the link: (timed out|no answer within 0.5 s)"):
        _read(server + "/slow")
    assert time.monotonic() - start < 3


def test_a_link_that_is_too_big(server, monkeypatch):
    monkeypatch.setattr(fetch, "MAX_INPUT_BYTES", 1000)
    with pytest.raises(TextError, match="the link returns more than 0 MB; not an article"):
        _read(server + "/big")


def test_offline_refuses_links_without_touching_the_network(server):
    with pytest.raises(TextError, match="is a link, and --offline forbids the network"):
        _read(server + "/news.html", offline=True)
    assert _Handler.hits == {}


@pytest.mark.parametrize("url, problem", [
    ("file:///etc/passwd", "only http:// and https:// links can be fetched"),
    ("https:///x", "the link has no host name"),
])
def test_urls_that_are_not_web_links(url, problem):
    assert fetch.check_url(url) == problem
