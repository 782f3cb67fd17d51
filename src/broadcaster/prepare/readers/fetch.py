"""`article: https://…`: a link fetched once, carefully, and cached.

Bounds: `TIMEOUT_S` for the whole download (a server that drips bytes is cut
off too), `MAX_REDIRECTS`, `MAX_INPUT_BYTES`; only documents are accepted
(HTML, text, PDF, Word, WPS — an image or a video is refused by its
Content-Type before its body is read). Under --offline nothing is fetched.

Cache (under the segment cache's folder, `articles/`): the body is stored by
its sha256 (`blobs/`), and each URL points at the body it last returned
(`urls/`). A URL fetched less than `BROADCASTER_FETCH_MAX_AGE_S` seconds ago
(default a day; 0 = always fetch) is read from the cache without the network,
so a morning programme and its rehearsal read the same text.
"""
from __future__ import annotations

import hashlib
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from broadcaster import settings
from broadcaster.links import check_url, is_url  # noqa: F401  (the readers' callers use them from here)
from broadcaster.settings import cache_dir
from broadcaster.errors import TextError
from broadcaster.prepare.readers.base import MAX_INPUT_BYTES

TIMEOUT_S = 20.0
MAX_REDIRECTS = 5
_CHUNK = 64 * 1024
_SUFFIX_BY_TYPE = {
    "text/html": ".html", "application/xhtml+xml": ".html", "text/plain": ".txt", "text/markdown": ".md",
    "application/pdf": ".pdf", "application/msword": ".doc", "application/rtf": ".rtf", "text/rtf": ".rtf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.oasis.opendocument.text": ".odt", "application/vnd.ms-works": ".wps",
    "application/kswps": ".wps", "application/wps-office.wps": ".wps", "application/wps-office.docx": ".docx",
    # servers that do not know the type: the router reads the content
    "application/octet-stream": "", "binary/octet-stream": "", "application/download": "",
    "application/force-download": "", "application/x-download": "",
}


@dataclass(frozen=True)
class Fetched:
    url: str
    data: bytes
    suffix: str  # what the Content-Type (or the URL) says the body is
    sha256: str
    from_cache: bool


class _Redirects(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS
    max_repeats = 2

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urllib.parse.urlsplit(newurl).scheme not in ("http", "https"):
            raise urllib.error.HTTPError(newurl, code, "redirect to a non-web address", headers, fp)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _cache_root() -> Path:
    return cache_dir() / "articles"


def _max_age_s() -> float:
    return settings.read("BROADCASTER_FETCH_MAX_AGE_S")


def _from_cache(url: str) -> Fetched | None:
    root = _cache_root()
    index = root / "urls" / (hashlib.sha256(url.encode()).hexdigest() + ".json")
    try:
        entry = json.loads(index.read_text(encoding="utf-8"))
        if time.time() - float(entry["fetched_at"]) > _max_age_s():
            return None
        data = (root / "blobs" / entry["sha256"]).read_bytes()
    except (OSError, ValueError, KeyError, TypeError):
        return None  # an absent or unreadable entry is a miss
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        return None
    return Fetched(url, data, entry.get("suffix", ""), entry["sha256"], True)


def _store(f: Fetched) -> None:
    from broadcaster.durable import write_atomic

    root = _cache_root()
    try:
        blob = root / "blobs" / f.sha256
        if not blob.is_file():
            write_atomic(blob, f.data)  # named by its sha256: checked when read
        entry = {"url": f.url, "sha256": f.sha256, "suffix": f.suffix, "fetched_at": time.time()}
        write_atomic(root / "urls" / (hashlib.sha256(f.url.encode()).hexdigest() + ".json"), json.dumps(entry).encode())
    except OSError:
        pass  # a cache that cannot be written only costs a download next time


def _suffix(content_type: str, url: str) -> str | None:
    """The suffix the router should assume, or None for a type we refuse."""
    if content_type in _SUFFIX_BY_TYPE:
        return _SUFFIX_BY_TYPE[content_type] or Path(urllib.parse.urlsplit(url).path).suffix.lower()
    if content_type.startswith("text/") or content_type.startswith("application/vnd.ms-word"):
        return ".txt" if content_type.startswith("text/") else ".doc"
    if content_type.startswith("application/vnd.wps") or "wps" in content_type:
        return ".wps"
    return None


def fetch(url: str, *, offline: bool = False, where: str | None = None) -> Fetched:
    """Download a linked article (or take it from the cache)."""
    where = where or url
    problem = check_url(url)
    if problem:
        raise TextError(problem, where=where)
    if offline:
        raise TextError("is a link, and --offline forbids the network; save the page as a file and "
                        "point article: at it", where=where)
    cached = _from_cache(url)
    if cached is not None:
        return cached
    opener = urllib.request.build_opener(_Redirects)
    request = urllib.request.Request(url, headers={"User-Agent": "Mozilla/5.0 (broadcaster; village broadcast)",
                                                   "Accept": "text/html,application/pdf,*/*;q=0.5"})
    end = time.monotonic() + TIMEOUT_S
    try:
        with opener.open(request, timeout=TIMEOUT_S) as resp:
            content_type = (resp.headers.get_content_type() or "").lower()
            suffix = _suffix(content_type, resp.geturl())
            if suffix is None:
                raise TextError(f"the link returned {content_type}, not a document", where=where)
            length = resp.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > MAX_INPUT_BYTES:
                raise TextError(f"the link returns {int(length) // 2**20} MB; more than {MAX_INPUT_BYTES // 2**20} MB is not an article", where=where)
            chunks, size = [], 0
            while True:
                if time.monotonic() > end:
                    raise TextError(f"the download took longer than {TIMEOUT_S:g} s", where=where)
                chunk = resp.read(_CHUNK)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_INPUT_BYTES:
                    raise TextError(f"the link returns more than {MAX_INPUT_BYTES // 2**20} MB; not an article", where=where)
    except urllib.error.HTTPError as exc:
        if exc.code in (301, 302, 303, 307, 308):
            raise TextError(f"too many redirects (more than {MAX_REDIRECTS}, or a loop)", where=where) from None
        raise TextError(f"the server answered {exc.code} {exc.reason}", where=where) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        text = "timed out" if isinstance(reason, TimeoutError) or "timed out" in str(reason) else str(reason)
        raise TextError(f"cannot fetch the link: {text}", where=where) from None
    except TimeoutError:
        raise TextError(f"cannot fetch the link: no answer within {TIMEOUT_S:g} s", where=where) from None
    except OSError as exc:
        raise TextError(f"cannot fetch the link: {exc.strerror or exc}", where=where) from None
    data = b"".join(chunks)
    fetched = Fetched(url, data, suffix, hashlib.sha256(data).hexdigest(), False)
    _store(fetched)
    return fetched


def read_url(url: str, *, offline: bool = False, where: str | None = None):
    """The Document a link points at (routed by content like a file)."""
    from broadcaster.prepare.readers import read_bytes
    from broadcaster.prepare.readers.base import Document

    f = fetch(url, offline=offline, where=where)
    doc = read_bytes(f.data, f.suffix, where or url)
    source = "cached copy" if f.from_cache else "fetched"
    return Document(doc.lines, doc.reader, doc.notes + (f"{source} {url} (sha256 {f.sha256[:12]})",))
