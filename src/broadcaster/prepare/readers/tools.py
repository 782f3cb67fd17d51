"""External programs, found lazily and run with a time limit: Poppler's
`pdftotext` (a second PDF extractor) and LibreOffice's `soffice` (.doc, .wps,
.rtf, .odt → .docx). Each runs in its own process group so that a timeout
kills the whole tree (soffice is a launcher script with children)."""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from broadcaster.errors import TextError
from broadcaster.prepare.readers.base import MAX_INPUT_BYTES, Deadline

INSTALL_SOFFICE = ("LibreOffice, which is not installed (Debian/Ubuntu: apt-get install libreoffice-writer-nogui); "
                   "or open the file in Word/WPS and save it as .docx")


def _run(cmd: list[str], deadline: Deadline, cwd: str | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            cwd=cwd, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=deadline.left())
    except subprocess.TimeoutExpired:
        with contextlib.suppress(OSError):  # already gone
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise TextError(f"{Path(cmd[0]).name} took longer than {deadline.seconds:g} s; gave up", where=deadline.where) from None
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def pdftotext(data: bytes, where: str, deadline: Deadline) -> str | None:
    """The PDF's words with their boxes, by Poppler (`-bbox-layout` XHTML),
    or None when pdftotext is not installed or fails."""
    exe = shutil.which("pdftotext")
    if exe is None:
        return None
    with tempfile.TemporaryDirectory(prefix="broadcaster-pdf-") as tmp:
        src = Path(tmp) / "in.pdf"
        src.write_bytes(data)
        result = _run([exe, "-bbox-layout", "-enc", "UTF-8", "-q", str(src), "-"], deadline)
    if result.returncode != 0:
        return None
    return result.stdout[:MAX_INPUT_BYTES].decode("utf-8", "replace")


def soffice_to_docx(data: bytes, suffix: str, where: str, deadline: Deadline) -> bytes:
    """Convert a .doc/.wps/.rtf/.odt document to .docx bytes with LibreOffice."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        raise TextError(f"reading a {suffix or 'word-processor'} file needs {INSTALL_SOFFICE}", where=where)
    with tempfile.TemporaryDirectory(prefix="broadcaster-soffice-") as tmp:
        src = Path(tmp) / f"input{suffix or '.doc'}"
        src.write_bytes(data)
        out_dir = Path(tmp) / "out"
        # a private profile: a user's running LibreOffice would otherwise take the job (or lock it)
        profile = (Path(tmp) / "profile").as_uri()
        result = _run([exe, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--nolockcheck",
                       "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(out_dir), str(src)], deadline, cwd=tmp)
        out = out_dir / "input.docx"
        if result.returncode != 0 or not out.is_file():
            detail = (result.stderr or b"").decode("utf-8", "replace").strip().splitlines()
            raise TextError("LibreOffice could not convert this document (damaged, password-protected or not a "
                            "word-processor file)" + (f": {detail[-1][:120]}" if detail else ""), where=where)
        return out.read_bytes()
