"""Changing a reading from the review: a character's other readings, and the choice written into the
station dictionary, after which the review is read again so staff see the new reading.

Without script, a ruby character is a button of the review form: it posts the whole review to
`/readings/pick`, which asks (the confirmation page of this choice); the answer posts to
`/readings/choose` with `confirm=1`, which writes the entry and shows the review again. With script,
`static/app.js` asks `/readings/choices` and posts the choice with `confirm=1`, answered in JSON with
the new lines. A choice posted twice writes the same entry twice: nothing more happens.
"""
from __future__ import annotations

from flask import Blueprint, g, jsonify, render_template, request

from broadcaster.errors import InputError
from broadcaster.web import compose
from broadcaster.web.extract import extract
from broadcaster.web.pages_make import review_page, segments_context
from broadcaster.web.pages_station import LEXICON_LOCK, LexiconFileError, read_lexicon, write_lexicon
from broadcaster.web.readings import ChoiceError, check_pick, choices, entry_for, marked, parse_pick

readings = Blueprint("readings", __name__)
# The review form's fields the choice page carries back (the button pressed and the token are not among them).
REVIEW_FIELDS = ("title", "cleaned", "spoken", "spoken_original", "voice", "rate", "profile", "intro", "outro", "bed",
                 "bed_level_db", "bed_duck_db")


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _refused(message: str, status: int = 400):
    return (jsonify(error=message), status) if _wants_json() else (render_template("error.html", message=message), status)


@readings.errorhandler(LexiconFileError)
def _broken_lexicon(exc):
    return _refused(str(exc), 500)  # a dictionary file someone broke by hand: said, never overwritten


@readings.get("/readings/choices")
def other_readings():
    """{"char": "行", "readings": [{"pinyin": "hang2", "marked": "háng"}, …]}: the readings the dictionary gives."""
    char = request.args.get("char", "")
    try:
        return jsonify(char=char, readings=choices(char))
    except ChoiceError as exc:
        return jsonify(error=str(exc)), 400


@readings.post("/readings/pick")
def pick():
    """The page that offers the other readings of the character pressed (the review without script)."""
    try:
        key, say, at, now = check_pick(*parse_pick(request.form.get("pick", "")))
        offered = choices(say[at])
    except ChoiceError as exc:
        return _refused(str(exc))
    now_reading = now.split()[at]
    fields = [(name, request.form[name]) for name in REVIEW_FIELDS if name in request.form]
    return render_template("reading_choice.html", key=key, say=say, char=say[at], now_reading=now_reading,
                           now_marked=marked(now_reading), choices=offered, pick=request.form["pick"],
                           review_fields=fields)


@readings.post("/readings/choose")
def choose():
    """Write the chosen reading into the station dictionary; then the review again (or its lines, in JSON)."""
    form = request.form
    try:
        key, say, at, now = parse_pick(form.get("pick", ""))
        entry = entry_for(key, say, at, now, form.get("pinyin", "").strip().lower())
    except ChoiceError as exc:
        return _refused(str(exc))
    if form.get("confirm") != "1":  # not asked yet: ask (the page a browser without script gets)
        return pick()
    path = g.ctx["data"].lexicon_file
    with LEXICON_LOCK:
        entries = read_lexicon(path)
        entries[key] = entry
        write_lexicon(path, entries)
    said = f"已加入读音词典：“{key}”读 {' '.join(marked(s) for s in entry['pinyin'].split())}。"
    if not form.get("cleaned", "").strip():
        return jsonify(said=said) if _wants_json() else render_template("error.html", message=said + "请回到“检查文字”重新生成。")
    try:  # read again with the new dictionary, so the ruby shows what will now be said
        got = extract({"text": form["cleaned"]}, path)
    except InputError as exc:
        return _refused(compose.message_zh(exc))
    if _wants_json():
        return jsonify(said=said, segments=render_template("_segments.html", **segments_context(got, form)))
    return review_page(got, form, said, keep_edits=True)
