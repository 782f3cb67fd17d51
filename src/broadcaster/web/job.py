"""One job of the render queue, in its own process: `python -m broadcaster.web.job DATA JOB`.

Reads the job from the data folder's SQLite queue, runs it with the library,
writes progress as it goes and the outcome at the end, in plain Chinese for
the page. Kinds: `render` (a saved broadcast's script.yaml into its `out/`
folder), `preview` (one segment, for listening before rendering) and `daily`
(run-daily on one of the data folder's daily scripts).
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from broadcaster.errors import AudioError, BroadcasterError, InputError, SynthesisError, TextError
from broadcaster.web.paths import DataDir
from broadcaster.web.store import Store

STAGES_ZH = {"preparing text": "正在整理文字", "mixing": "正在混音", "encoding": "正在编码"}


class StoreReporter:
    """The render's progress, written to the queue (at most every half second: the page polls anyway)."""

    def __init__(self, store: Store, job_id: int):
        self.store, self.job_id = store, job_id
        self.done = 0
        self._last_t = 0.0

    def stage(self, name: str) -> None:
        self.store.progress(self.job_id, stage=STAGES_ZH.get(name, name))

    def synthesis_started(self, total: int) -> None:
        self.store.progress(self.job_id, stage="正在合成语音", done=0, total=total)

    def advance(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if now - self._last_t > 0.5:
            self._last_t = now
            self.store.progress(self.job_id, done=self.done)

    def synthesis_done(self) -> None:
        self.store.progress(self.job_id, done=self.done)


def error_in_chinese(exc: BaseException) -> str:
    """One line a village clerk can act on; the English detail kept after it for whoever helps.

    >>> error_in_chinese(TextError("nothing to say", where="通知.txt"))
    '文字无法读取或没有可播报的内容（通知.txt: nothing to say）'
    """
    if isinstance(exc, TextError):
        head = "文字无法读取或没有可播报的内容"
    elif isinstance(exc, InputError):
        head = "输入有误，请检查后重试"
    elif isinstance(exc, SynthesisError):
        head = "语音合成失败"
    elif isinstance(exc, AudioError):
        head = "音频处理失败"
    elif isinstance(exc, BroadcasterError):
        head = "制作失败"
    else:
        head = "制作时出现意外错误"
        return f"{head}（{type(exc).__name__}: {exc}）"
    return f"{head}（{exc}）"


def run_render(data: DataDir, job: dict[str, Any], reporter: StoreReporter) -> dict[str, Any]:
    from broadcaster.render import render_programme
    from broadcaster.script import load_script

    folder = data.broadcast_dir(int(job["params"]["broadcast"]))
    result = render_programme(load_script(folder / "script.yaml"), folder / "out", reporter=reporter)
    return {"duration_s": round(result.duration_s, 2), "lufs": round(result.loudness.integrated_lufs, 1),
            "fallbacks": _fallbacks(folder / "out" / "manifest.json")}


def _fallbacks(manifest: Path) -> list[dict]:
    """The items another voice read (web/outcome.py), for the job page."""
    import json

    from broadcaster.web.outcome import fallbacks_in

    try:
        return fallbacks_in(json.loads(manifest.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return []


def run_preview(data: DataDir, job: dict[str, Any], reporter: StoreReporter) -> dict[str, Any]:
    """One segment into previews/<key>.mp3, through the same render (the segment cache answers when it can)."""
    from broadcaster.durable import write_atomic
    from broadcaster.render import render_programme
    from broadcaster.script import load_script

    params = job["params"]
    with tempfile.TemporaryDirectory(prefix="broadcaster-preview-") as tmp:
        script = Path(tmp) / "preview.yaml"
        script.write_text(params["script"], encoding="utf-8")
        result = render_programme(load_script(script), Path(tmp) / "out", reporter=reporter)
        write_atomic(data.preview_file(params["key"]), (result.out_dir / "programme.mp3").read_bytes())
    return {"duration_s": round(result.duration_s, 2), "key": params["key"]}


def run_daily_job(data: DataDir, job: dict[str, Any], reporter: StoreReporter) -> dict[str, Any]:
    """`broadcaster run-daily` on one of the data folder's daily scripts (web/daily.py), as the scheduler runs it."""
    from broadcaster.daily.job import run_daily
    from broadcaster.web.daily import find

    daily = find(data, job["params"]["daily"])
    report = run_daily(daily.script, reporter=reporter)
    return {"status": report.status, "date": report.date, "latest": report.latest,
            "synthesised": report.synthesised, "cached": report.cached,
            "fallbacks": _fallbacks(daily.root / report.date / "manifest.json") if report.fallbacks else []}


KINDS = {"render": run_render, "preview": run_preview, "daily": run_daily_job}


def main(argv: list[str] | None = None) -> int:
    data_dir, job_id = (argv if argv is not None else sys.argv[1:])[:2]
    data = DataDir(Path(data_dir))
    store = Store(data.root)
    job = store.job(int(job_id))
    if job is None:
        print(f"no job {job_id}", file=sys.stderr)
        return 2
    try:
        result = KINDS[job["kind"]](data, job, StoreReporter(store, job["id"]))
    except BaseException as exc:  # noqa: BLE001 - every failure is recorded for the page, then re-raised for the log
        store.finish(job["id"], "failed", error_in_chinese(exc))
        raise
    store.finish(job["id"], "done", result=result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
