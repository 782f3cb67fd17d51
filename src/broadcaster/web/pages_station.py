"""The station's pages: pronunciation dictionary, history, segment cache, login."""
from __future__ import annotations

import datetime as dt
import re
import threading
import time

import yaml
from flask import Blueprint, g, redirect, render_template, request, session, url_for

from broadcaster.durable import write_atomic
from broadcaster.web import compose, security
from broadcaster.web.display import RATES

station = Blueprint("station", __name__)

_PINYIN = re.compile(r"^([a-zü]+[1-5]\s*)+$")
MAX_WORD_CHARS = 30
# waitress answers on several threads: one read-change-write of lexicon.yaml at a time (here and pages_readings.py)
LEXICON_LOCK = threading.Lock()


class LexiconFileError(Exception):
    pass


def read_lexicon(path) -> dict[str, object]:
    """The station dictionary; a file someone broke by hand is reported, never overwritten."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise LexiconFileError(f"词典文件 {path} 格式有误，请修正或删除后再试（{exc}）") from None
    if data is not None and not isinstance(data, dict):
        raise LexiconFileError(f"词典文件 {path} 应是“词语: 读法”的列表")
    return dict(data or {})


@station.errorhandler(LexiconFileError)
def _broken_lexicon(exc):
    return render_template("error.html", message=str(exc)), 500


def write_lexicon(path, entries: dict[str, object]) -> None:
    head = "# 本站读音词典：词语: 读法（由网页管理，每次制作都会使用）\n"
    write_atomic(path, (head + yaml.safe_dump(entries, allow_unicode=True, sort_keys=True)).encode("utf-8"))


def _entry_from(form) -> tuple[str, object]:
    """The word and what to say for it; an error in plain Chinese when either is unusable."""
    word, say, pinyin = (form.get(k, "").strip() for k in ("word", "say", "pinyin"))
    if not word or len(word) > MAX_WORD_CHARS or "\n" in word:
        raise ValueError(f"词语不能为空，最多 {MAX_WORD_CHARS} 个字")
    if not say and not pinyin:
        raise ValueError("请填写读法（汉字）或拼音")
    if pinyin:
        if not _PINYIN.match(pinyin.lower()):
            raise ValueError("拼音格式：每个字的拼音后跟声调数字，用空格隔开，例如 qin2 tong2")
        if len(pinyin.split()) != len(say or word):
            raise ValueError("拼音的个数要和读法的字数一样")
        return word, {"say": say or word, "pinyin": pinyin.lower()}
    return word, say


@station.get("/lexicon")
def lexicon():
    entries = read_lexicon(g.ctx["data"].lexicon_file)
    return render_template("lexicon.html", entries=entries, voices=g.ctx["voices"], rates=RATES, error=request.args.get("error"),
                           delete_question=delete_question)


@station.post("/lexicon")
def lexicon_add():
    path = g.ctx["data"].lexicon_file
    try:
        word, value = _entry_from(request.form)
    except ValueError as exc:
        return render_template("lexicon.html", entries=read_lexicon(path), voices=g.ctx["voices"], rates=RATES,
                               error=str(exc), form=request.form, delete_question=delete_question), 400
    with LEXICON_LOCK:
        entries = read_lexicon(path)
        entries[word] = value
        write_lexicon(path, entries)
    return redirect(url_for("station.lexicon"), code=303)


def delete_question(word: str) -> str:
    return f"确定要从读音词典里删除“{word}”吗？删除后，下次制作会按一般读法读这个词。"


def cache_question(segments: int) -> str:
    return f"确定要清空语音缓存吗？已保存的 {segments} 段语音会被删除，以后制作和试听时要重新合成，会慢一些。"


def _confirmed(question: str, yes: str, back: str, **fields: str):
    """None when the form says staff confirmed (the page's script asks in a dialog and adds
    `confirm`); else the page that asks, for a browser without script."""
    if request.form.get("confirm") == "1":
        return None
    return render_template("confirm.html", question=question, yes=yes, back=back, action=request.path, fields=fields)


@station.post("/lexicon/delete")
def lexicon_delete():
    path = g.ctx["data"].lexicon_file
    entries = read_lexicon(path)
    word = request.form.get("word", "")
    if word in entries:
        asking = _confirmed(delete_question(word), "删除", url_for("station.lexicon"), word=word)
        if asking:
            return asking
        with LEXICON_LOCK:
            entries = read_lexicon(path)
            entries.pop(word, None)
            write_lexicon(path, entries)
    return redirect(url_for("station.lexicon"), code=303)


@station.get("/history")
def history():
    query = request.args.get("q", "").strip()[:60]
    day = request.args.get("day", "").strip()
    if day and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
        day = ""
    rows = g.ctx["store"].broadcasts(query, day)
    jobs = {b["id"]: g.ctx["store"].job(b["last_job"]) if b["last_job"] else None for b in rows}
    return render_template("history.html", rows=rows, jobs=jobs, q=query, day=day)


@station.get("/cache")
def cache():
    """`broadcaster cache info`, as a page: where spoken segments are kept and how much."""
    from broadcaster.synthesise.cache import SegmentCache

    info = SegmentCache().info()
    return render_template("cache.html", info=info, removed=request.args.get("removed"), question=cache_question(info.segments))


@station.post("/cache/clear")
def cache_clear():
    """`broadcaster cache clear`: always safe (a segment is spoken again when needed)."""
    from broadcaster.synthesise.cache import SegmentCache

    cache = SegmentCache()
    asking = _confirmed(cache_question(cache.info().segments), "清空缓存", url_for("station.cache"))
    if asking:
        return asking
    entries, _ = cache.clear()
    return redirect(url_for("station.cache", removed=entries), code=303)


@station.get("/login")
def login():
    return render_template("login.html", next=security.local_target(request.args.get("next")))


@station.post("/login")
def login_post():
    path = g.ctx["data"].password_file
    throttle, address = g.ctx["throttle"], request.remote_addr or ""
    target = security.local_target(request.form.get("next"))
    wait_s = throttle.wait_s(address)
    if wait_s > 0:  # not even checked: guessing while made to wait gains nothing
        return render_template("login.html", next=target,
                               error=f"密码输错的次数太多，请 {security.wait_zh(wait_s)}后再试。"), 429
    stored = path.read_text(encoding="ascii") if path.exists() else ""
    if not stored or not security.check_password(request.form.get("password", ""), stored):
        throttle.failed(address)
        wait_s = throttle.wait_s(address)
        later = f"输错太多次，请 {security.wait_zh(wait_s)}后再试。" if wait_s > 0 else "请重新输入。"
        return render_template("login.html", error=f"密码不对，{later}", next=target), 401
    throttle.succeeded(address)
    csrf = session.get("csrf")
    session.clear()  # a fresh session on login (no fixation)
    session["login_at"] = time.time()
    if csrf:
        session["csrf"] = csrf
    # Only our own pages: never a redirect to another site.
    return redirect(target, code=303)


@station.post("/logout")
def logout():
    session.clear()
    return redirect(url_for("station.login"), code=303)


def today_title() -> str:
    today = dt.date.today()
    return f"{today.month}月{today.day}日广播"


__all__ = ["station", "compose"]
