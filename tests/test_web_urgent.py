"""紧急插播 through `broadcaster serve`: the notice plays, skips the render queue, and its
warm worker is let go when idle and started again (fake engine, real processes)."""
from __future__ import annotations

import os
import re
import signal
import time

import pytest

from broadcaster.codec import decode_file
from broadcaster.prepare.pipeline import prepare
from broadcaster.profiles import LOUDSPEAKER, UrgentStyle
from support import FAKE_S_PER_CHAR
from web_support import NOTICE, OPTIONS, VOICES, csrf, running_app, wait_job

TEXT = "今晚有大风请关好门窗。"


def _urgent(client, text=TEXT, voice="fake:v1", profile="loudspeaker") -> int:
    r = client.post("/urgent", data={"csrf": csrf(client, "/urgent"), "text": text, "voice": voice, "profile": profile},
                    headers={"Accept": "application/json"})
    assert r.status_code == 202, r.text
    return r.json["job"]


def _wait_urgent(client, job_id: int, timeout_s: float = 60) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = client.get(f"/urgent/{job_id}.json").json
        if job["finished"]:
            return job
        time.sleep(0.05)
    raise AssertionError(f"urgent notice {job_id} did not finish: {job}")


def _ready_pids(data) -> list[int]:
    """The workers that said they were ready, in order (their log lines)."""
    log = (data / "logs" / "urgent-worker.log")
    return [int(p) for p in re.findall(r"urgent worker (\d+): ready", log.read_text(encoding="utf-8"))] if log.exists() else []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead too (its parent, this process's runner, has not reaped it yet).
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def _until(condition, timeout_s: float = 30, what: str = "") -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.fixture
def data(tmp_path):
    return tmp_path / "data"


def test_the_urgent_page_is_in_chinese_offers_offline_voices_and_is_in_the_menu(data):
    online = ("edge", "zh-CN-XiaoxiaoNeural", "晓晓（需联网）")
    with running_app(data, voices=[*VOICES, online]) as app:
        client = app.test_client()
        assert 'href="/urgent"' in client.get("/").text and "紧急插播" in client.get("/").text
        page = client.get("/urgent")
        assert page.status_code == 200 and '<html lang="zh-CN">' in page.text and "<h1>紧急插播</h1>" in page.text
        assert not re.search(r'(src|href)="(https?:)?//', page.text)
        assert 'value="fake:v1"' in page.text and "edge:" not in page.text  # never an online voice
        for form, says in (({"text": "  "}, "请先填写"), ({"text": "x" * 2001}, "紧急通知太长"),
                           ({"text": TEXT, "voice": "edge:zh-CN-XiaoxiaoNeural"}, "请从列表中选择")):
            r = client.post("/urgent", data={"csrf": csrf(client, "/urgent"), "voice": "fake:v1", "profile": "loudspeaker", **form})
            assert r.status_code == 400 and says in r.text
        assert client.get("/urgent/999").status_code == 404 and client.get("/urgent/999.mp3").status_code == 404


def test_the_server_process_loads_no_numpy_for_urgent_notices(data):
    """The model and numpy live in the worker process; the page, the queue and the runner do not load them."""
    import subprocess
    import sys

    from web_support import FAKE_URGENT

    code = ("import re, sys, time; from broadcaster.web.app import create_app; "
            f"app = create_app(sys.argv[1], voices=[('fake', 'v1', 'x')], urgent_command={FAKE_URGENT!r}); "
            "c = app.test_client(); page = c.get('/urgent').text; "
            "token = re.search(r'name=\"csrf\" value=\"([^\"]+)\"', page).group(1); "
            f"job = c.post('/urgent', data={{'csrf': token, 'text': {TEXT!r}, 'voice': 'fake:v1', 'profile': 'loudspeaker'}}, "
            "headers={'Accept': 'application/json'}).json['job']; "
            "t = time.monotonic(); "
            "[time.sleep(0.1) for _ in range(600) if not c.get(f'/urgent/{job}.json').json['finished']]; "
            "state = c.get(f'/urgent/{job}.json').json['state']; "
            "app.extensions['broadcaster']['urgent'].stop(); app.extensions['broadcaster']['runner'].stop(); "
            "print(state, 'numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(data)], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "done False", out.stderr


def test_an_urgent_notice_plays_tone_then_the_text_twice(data):
    with running_app(data) as app:
        client = app.test_client()
        job_id = _urgent(client)
        job = _wait_urgent(client, job_id)
        assert job["state"] == "done", job
        assert job["result"]["tone"] == "alert" and job["result"]["repeat"] == 2 and job["result"]["voice"] == "fake:v1"
        audio = client.get(job["audio"])
        assert audio.status_code == 200 and audio.mimetype == "audio/mpeg" and audio.data[:3] == b"ID3"
        path = data / "urgent" / f"{job_id}.mp3"
        assert path.read_bytes() == audio.data
        speech_s = len(prepare(TEXT)[0].spoken) * FAKE_S_PER_CHAR
        style = UrgentStyle()
        expected = LOUDSPEAKER.lead_in_s + 3.0 + style.repeat * (style.pause_s + speech_s) + LOUDSPEAKER.tail_s
        assert len(decode_file(path)) / 44100 == pytest.approx(expected, abs=0.06)
        assert job["result"]["duration_s"] == pytest.approx(expected, abs=0.06)
        download = client.get(f"/urgent/{job_id}.mp3?download=1")
        assert download.headers["Content-Disposition"].startswith("attachment") and download.data == audio.data
        page = client.get(f"/urgent/{job_id}").text
        assert f'src="/urgent/{job_id}.mp3"' in page and "下载 MP3" in page
        queue = client.get("/jobs").text
        assert "紧急" in queue and f'href="/urgent/{job_id}"' in queue


# Forty different lines: a render makes a repeated line once, so forty equal
# lines would finish in one segment's time, before the test could cancel it.
LONG_RENDER = "".join(f"各位村民请注意，这是第{i}条。\n" for i in range(1, 41))


@pytest.mark.parametrize("repeat", range(2))
def test_an_urgent_notice_jumps_ahead_of_a_long_render_in_progress(data, monkeypatch, repeat):
    monkeypatch.setenv("FAKE_DELAY_S", "0.5")  # a segment: half a second, for the render and the notice alike
    with running_app(data) as app:
        client = app.test_client()
        store = app.extensions["broadcaster"]["store"]
        render = client.post("/broadcasts", data={"csrf": csrf(client), "title": "长广播", "cleaned": LONG_RENDER,
                                                  "spoken": "", "spoken_original": "", **OPTIONS})
        render_id = int(render.headers["Location"].rsplit("/", 1)[1])
        _until(lambda: store.job(render_id)["done"] >= 1, what="the render to be under way")
        assert os.getpriority(os.PRIO_PROCESS, store.job(render_id)["pid"]) >= 10  # renders leave the cores to notices
        queued_behind = client.post("/broadcasts", data={"csrf": csrf(client), "title": "排队的广播", "cleaned": NOTICE,
                                                         "spoken": "", "spoken_original": "", **OPTIONS})
        queued_id = int(queued_behind.headers["Location"].rsplit("/", 1)[1])
        job_id = _urgent(client)
        job = _wait_urgent(client, job_id)
        assert job["state"] == "done", job
        # The render is still going, and the render queued before the notice has not even started.
        assert store.job(render_id)["state"] == "running" and store.job(queued_id)["state"] == "queued"
        assert len(decode_file(data / "urgent" / f"{job_id}.mp3")) > 44100 * 5
        r = client.post(f"/jobs/{render_id}/cancel", data={"csrf": csrf(client)})
        assert r.status_code == 303 and wait_job(client, render_id)["state"] == "cancelled"


@pytest.mark.parametrize("repeat", range(2))
def test_the_warm_worker_is_let_go_when_idle_and_started_again_by_the_next_notice(data, monkeypatch, repeat):
    monkeypatch.setenv("BROADCASTER_URGENT_IDLE_MIN", "0.02")  # 1.2 s
    with running_app(data) as app:
        client = app.test_client()
        runner = app.extensions["broadcaster"]["urgent"]
        first = _wait_urgent(client, _urgent(client))
        assert first["state"] == "done", first
        [pid] = _ready_pids(data)
        _until(lambda: runner.worker_pid() is None and not _alive(pid), what="the idle worker to leave")
        assert runner.started_workers == 1
        second = _wait_urgent(client, _urgent(client, text="请各户注意防火。"))
        assert second["state"] == "done", second
        assert runner.started_workers == 2 and len(_ready_pids(data)) == 2 and _ready_pids(data)[1] != pid
        assert client.get(second["audio"]).status_code == 200


def test_a_killed_worker_is_started_again_and_its_notice_still_made(data, monkeypatch):
    monkeypatch.setenv("FAKE_DELAY_S", "1.0")
    with running_app(data) as app:
        client = app.test_client()
        runner = app.extensions["broadcaster"]["urgent"]
        job_id = _urgent(client)
        _until(lambda: runner.worker_pid() is not None, what="a worker")
        os.killpg(runner.worker_pid(), signal.SIGKILL)  # the worker and its helpers, as an out-of-memory kill would
        job = _wait_urgent(client, job_id)
        assert job["state"] == "done", job
        assert runner.started_workers == 2
        # With nothing to do, a killed worker is started again while it is wanted.
        pid = runner.worker_pid()
        os.killpg(pid, signal.SIGKILL)
        _until(lambda: runner.worker_pid() not in (None, pid), what="a new worker")
        assert runner.started_workers == 3
