"""broadcaster serve: the daily broadcast page, export onto a card or stick, and music beds
(HTTP level, real job runner in child processes, fake engine)."""
from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
from pathlib import Path

import pytest
import yaml

from web_support import NOTICE, OPTIONS, csrf, running_app, wait_job

BED = Path(__file__).parent.parent / "examples" / "music" / "bed.mp3"
DAILY_SCRIPT = """\
title: "{station}{date}广播"
station: 湖东村广播站
voice: {engine: fake, name: v1}
items:
  - text: 各位村民请注意，今天是{date}。现在开始广播。
  - text: 以上是今天的广播，谢谢收听。
"""


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("BROADCASTER_MEDIA_ROOTS", str(tmp_path / "media"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # where a systemd schedule is looked for
    with running_app(tmp_path / "data") as app:
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def data(app):
    return app.extensions["broadcaster"]["data"]


def _render(client, **extra) -> dict:
    r = client.post("/broadcasts", data={"csrf": csrf(client), "title": "停水通知", "cleaned": NOTICE, "spoken": "",
                                         "spoken_original": "", **OPTIONS, **extra})
    assert r.status_code == 303, r.text
    job = wait_job(client, int(r.headers["Location"].rsplit("/", 1)[1]))
    assert job["state"] == "done", job
    return job


def _error(text: str) -> str:
    return re.sub(r"\s+", " ", re.search(r'role="alert">(.*?)</p>', text, re.S).group(1))


# ---------------------------------------------------------------- daily

def _daily(data, name="湖东村", script=DAILY_SCRIPT) -> Path:
    folder = data.daily_dir / name
    (folder / "inbox").mkdir(parents=True, exist_ok=True)
    (folder / "daily.yaml").write_text(script, encoding="utf-8")
    return folder / "daily.yaml"


def test_daily_page_shows_schedule_runs_and_latest_and_runs_now_through_the_queue(client, data):
    from broadcaster.daily import schedule

    script = _daily(data)
    units = schedule.systemd_dir()
    units.mkdir(parents=True)
    for name, text in schedule.systemd_units(schedule.make_job(script, ["17:30", "06:00"])).items():
        (units / name).write_text(text, encoding="utf-8")
    page = client.get("/daily").text
    assert "湖东村" in page and "每天 <strong>06:00、17:30</strong>" in page and "还没有做好的节目" in page
    assert "立即运行" in page and "<audio" not in page

    assert client.post("/daily/湖东村/run", data={"csrf": "forged"}).status_code == 400
    assert client.post("/daily/没有这个/run", data={"csrf": csrf(client)}).status_code == 404
    r = client.post("/daily/湖东村/run", data={"csrf": csrf(client)})
    assert r.status_code == 303 and "/jobs/" in r.headers["Location"]
    job_id = int(r.headers["Location"].rsplit("/", 1)[1])
    assert "每日广播：湖东村" in client.get(f"/jobs/{job_id}").text
    job = wait_job(client, job_id)
    assert job["state"] == "done" and job["result"] == "/daily", job

    today = dt.date.today()
    root = script.parent / "audio_out" / "daily"
    assert os.readlink(root / "latest") == today.isoformat()
    page = client.get("/daily").text
    audio = re.search(r'<audio class="daily-latest"[^>]*src="([^"]+)"', page).group(1).replace("&amp;", "&")
    served = client.get(audio)
    manifest = json.loads((root / today.isoformat() / "manifest.json").read_text(encoding="utf-8"))
    assert served.status_code == 200 and served.mimetype == "audio/mpeg"
    assert served.data == (root / today.isoformat() / manifest["file"]).read_bytes()
    assert f"{today.year}年{today.month}月{today.day}日" in page and "成功" in page and "秒" in page
    download = client.get("/daily/湖东村/latest?download=1")
    assert "attachment" in download.headers["Content-Disposition"]

    # The same inputs again: nothing is rendered, the page says so.
    again = wait_job(client, int(client.post("/daily/湖东村/run", data={"csrf": csrf(client)}).headers["Location"].rsplit("/", 1)[1]))
    assert again["state"] == "done"
    assert "内容没有变化" in client.get("/daily").text

    # A broken script: the run fails, latest keeps the last good programme, the page says both in Chinese.
    script.write_text(DAILY_SCRIPT.replace("name: v1", "name: v9"), encoding="utf-8")
    failed = wait_job(client, int(client.post("/daily/湖东村/run", data={"csrf": csrf(client)}).headers["Location"].rsplit("/", 1)[1]))
    assert failed["state"] == "failed" and failed["error"].startswith(("制作失败", "输入有误")), failed
    page = client.get("/daily").text
    rows = re.findall(r'<tr class="run-(\w+)">', page)
    assert rows == ["failed", "unchanged", "ok"], rows
    assert "v9" in page and "喇叭仍播放上一期成功的节目" in page
    assert client.get(audio).data == served.data


def test_daily_page_reads_run_json_and_serves_nothing_outside_the_data_folder(client, data, tmp_path):
    script = _daily(data, "村A")
    root = script.parent / "audio_out" / "daily"
    day = root / "2026-11-30"
    day.mkdir(parents=True)
    (day / "programme.mp3").write_bytes(b"ID3" + b"\0" * 100)
    (day / "manifest.json").write_text(json.dumps({"title": "村A11月30日广播", "file": "programme.mp3", "duration_s": 65.2}),
                                       encoding="utf-8")
    ok = {"date": "2026-11-30", "started": "2026-11-30T06:00:00+08:00", "finished": "2026-11-30T06:01:05+08:00",
          "status": "ok", "synthesised": 7, "cached": 2, "warnings": ["inbox/坏.docx: cannot be read"]}
    failed = {"date": "2026-12-01", "started": "2026-12-01T06:00:00+08:00", "finished": "2026-12-01T06:01:00+08:00",
              "status": "failed", "error": "another run-daily is working in /x (pid 7); gave up after waiting 60 s"}
    (day / "run.json").write_text(json.dumps(ok), encoding="utf-8")
    (root / "run.json").write_text(json.dumps(failed), encoding="utf-8")
    os.symlink("2026-11-30", root / "latest")
    page = client.get("/daily").text
    assert "2026年11月30日：村A11月30日广播，时长 1分5秒" in page
    assert "1分5秒" in page and "合成 7 段，缓存 2 段" in page and "1 条提示" in page
    assert "上一次运行还没有结束，这次没有运行" in page and "2026年12月1日" in page
    assert re.findall(r'<tr class="run-(\w+)">', page) == ["failed", "ok"]
    assert client.get("/daily/村A/latest").data == b"ID3" + b"\0" * 100

    # A daily folder that is a link out of the data folder is not listed; a `latest` that leads out is not served.
    outside = tmp_path / "outside"
    (outside / "audio_out" / "daily" / "2026-11-30").mkdir(parents=True)
    (outside / "daily.yaml").write_text(DAILY_SCRIPT, encoding="utf-8")
    os.symlink(outside, data.daily_dir / "外面")
    assert "外面" not in client.get("/daily").text
    assert client.post("/daily/外面/run", data={"csrf": csrf(client)}).status_code == 404
    secret = outside / "secret.mp3"
    secret.write_bytes(b"secret")
    (day / "manifest.json").write_text(json.dumps({"title": "x", "file": str(secret), "duration_s": 1}), encoding="utf-8")
    assert client.get("/daily/村A/latest").status_code == 404


def test_daily_page_leads_to_making_one_without_a_shell(client):
    page = client.get("/daily").text
    assert 'href="/daily/new"' in page and "点上面的“新建每日广播”" in page
    assert "daily.yaml" not in page  # no folder to make, no file to copy by hand (issue 26)


def test_web_daily_agrees_with_the_daily_job():
    from broadcaster.daily import job
    from broadcaster.web import daily

    assert (daily.RUN_JSON, daily.RUN_LOG) == (job.RUN_JSON, job.RUN_LOG)
    script = Path("/srv/daily/村A/daily.yaml")
    assert job.default_root(script) == script.parent / "audio_out" / "daily"
    report = job.RunReport(date="2026-11-30", started="2026-11-30T06:00:00+08:00", status="failed", error="it's 'broken'")
    assert daily._LOG_LINE.match(report.log_line())["error"] == repr("it's 'broken'")


# ---------------------------------------------------------------- export

def test_export_writes_numbered_files_and_reports_them(client, data, tmp_path):
    stick = tmp_path / "media" / "KINGSTON"
    stick.mkdir(parents=True)
    job = _render(client)
    broadcast_id = int(job["result"].rsplit("/", 1)[1])
    page = client.get(job["result"]).text
    assert f'value="{stick}"' in page and "KINGSTON（" in page  # the detected stick is offered
    r = client.post(f"/broadcasts/{broadcast_id}/export",
                    data={"csrf": csrf(client), "target": str(stick), "device": "folder", "layout": "folders", "what": "both"})
    assert r.status_code == 200, r.text
    out = data.output_dir(broadcast_id)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert (stick / "01" / "001.MP3").read_bytes() == (out / manifest["file"]).read_bytes()
    items = sorted(p.name for p in (stick / "02").iterdir())
    assert items == [f"{n:03d}.MP3" for n in range(1, len(items) + 1)] and items
    assert (stick / "节目单.txt").is_file()
    listed = re.findall(r"<tr><td>(\d\d/\d{3}\.MP3)</td>", r.text)
    assert listed == ["01/001.MP3"] + [f"02/{n}" for n in items]
    assert "已导出到" in r.text and "按播放顺序" in r.text

    # Again: what the last export wrote is replaced, nothing else is touched.
    (stick / "我的照片.jpg").write_bytes(b"photo")
    r = client.post(f"/broadcasts/{broadcast_id}/export",
                    data={"csrf": csrf(client), "target_path": str(stick), "device": "folder", "layout": "mp3dir"})
    assert r.status_code == 200 and (stick / "MP3" / "0001.MP3").is_file() and (stick / "我的照片.jpg").exists()


def test_export_refuses_in_chinese(client, data, tmp_path):
    job = _render(client)
    url = job["result"] + "/export"
    target = tmp_path / "card"
    target.mkdir()

    def post(**fields):
        return client.post(url, data={"csrf": csrf(client), "device": "folder", **fields})

    a_file = tmp_path / "notes.txt"
    a_file.write_text("hello")
    r = post(target_path=str(a_file))
    assert r.status_code == 400 and "不是文件夹" in _error(r.text)
    r = post(target_path="relative/place")
    assert r.status_code == 400 and "完整的位置" in _error(r.text)
    r = post(target_path=str(data.root / "broadcasts"))
    assert r.status_code == 400 and "数据文件夹" in _error(r.text)
    r = post(target_path=str(tmp_path / "missing"), device="usb")
    assert r.status_code == 400 and "插好了吗" in _error(r.text)
    r = post(target_path=str(target), device="sdcard")  # a folder of this computer's disk is no FAT card
    assert r.status_code == 400 and "不是FAT格式" in _error(r.text)
    # Something staff put there is in the way: refused, unless they tick 清除.
    (target / "01").mkdir()
    (target / "01" / "歌.mp3").write_bytes(b"song")
    r = post(target_path=str(target))
    assert r.status_code == 400 and "不是本软件导出的内容" in _error(r.text) and (target / "01" / "歌.mp3").exists()
    r = post(target_path=str(target), clean="1")
    assert r.status_code == 200 and not (target / "01" / "歌.mp3").exists() and (target / "01" / "001.MP3").exists()
    # A forged request writes nothing.
    forged = tmp_path / "forged"
    forged.mkdir()
    r = client.post(url, data={"csrf": "forged", "target_path": str(forged), "device": "folder"})
    assert r.status_code == 400 and "页面已过期" in r.text and not list(forged.iterdir())
    assert client.post(url, data={"target_path": str(forged), "device": "folder"}).status_code == 400
    assert not list(forged.iterdir())


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder anyway")
def test_export_refuses_a_read_only_target(client, tmp_path):
    job = _render(client)
    target = tmp_path / "locked"
    target.mkdir()
    target.chmod(0o555)
    try:
        r = client.post(job["result"] + "/export", data={"csrf": csrf(client), "target_path": str(target), "device": "folder"})
    finally:
        target.chmod(0o755)
    assert r.status_code == 400 and "只读" in _error(r.text) and not list(target.iterdir())


def test_detected_media_lists_the_folders_of_the_configured_roots(tmp_path):
    from broadcaster.web.media import MEDIA_ENV, detected_media

    (tmp_path / "a" / "SD卡").mkdir(parents=True)
    (tmp_path / "a" / ".hidden").mkdir()
    (tmp_path / "a" / "file.txt").write_text("x")
    (tmp_path / "b" / "U盘").mkdir(parents=True)
    found = detected_media({MEDIA_ENV: os.pathsep.join([str(tmp_path / "a"), str(tmp_path / "b"), str(tmp_path / "none")])})
    assert [m.name for m in found] == ["SD卡", "U盘"] and found[0].free_bytes > 0 and "剩余" in found[0].label
    # Without the setting, only mount points count: an empty folder in the usual places is not a card.
    assert all(os.path.ismount(m.path) for m in detected_media({}, "linux"))


# ---------------------------------------------------------------- music beds, profiles, jingles

def test_a_bed_upload_that_is_not_audio_is_refused(client, data):
    fake = io.BytesIO(b"<html>this is not music</html>" * 50)
    r = client.post("/music", data={"csrf": csrf(client, "/music"), "bed": (fake, "歌.mp3")}, content_type="multipart/form-data")
    assert r.status_code == 400 and "不是能播放的音频" in r.text
    r = client.post("/music", data={"csrf": csrf(client, "/music"), "bed": (io.BytesIO(b"abc"), "歌.txt")},
                    content_type="multipart/form-data")
    assert r.status_code == 400 and "只能是" in r.text
    assert not [p for p in data.music_dir.iterdir() if p.suffix != ".json"]
    assert client.post("/music", data={"bed": (io.BytesIO(BED.read_bytes()), "b.mp3")},
                       content_type="multipart/form-data").status_code == 400  # no CSRF token


def test_a_render_with_a_bed_records_it_in_the_manifest(client, data):
    r = client.post("/music", data={"csrf": csrf(client, "/music"), "bed": (io.BytesIO(BED.read_bytes()), "春节 喜庆.mp3")},
                    content_type="multipart/form-data")
    assert r.status_code == 303
    page = client.get("/music").text
    assert "春节 喜庆" in page
    bed_id = re.search(r'/music/([0-9a-f]{32})"', page).group(1)
    assert client.get(f"/music/{bed_id}").data == BED.read_bytes()
    form = client.get("/").text
    assert f'<option value="{bed_id}" >春节 喜庆</option>' in form
    assert re.search(r'<option value="loudspeaker" selected>室外大喇叭', form)  # the default profile, in Chinese
    assert "户外大屏、视频号" in form and "“请注意”提示音" in form

    job = _render(client, jingles="", intro="attention", outro="", bed=bed_id, bed_level_db="-18", bed_duck_db="-10")
    broadcast_id = int(job["result"].rsplit("/", 1)[1])
    manifest = json.loads((data.output_dir(broadcast_id) / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["music"] == {"file": str(data.music_dir / f"{bed_id}.mp3"), "level_db": -18.0, "duck_db": -10.0}
    script = yaml.safe_load((data.broadcast_dir(broadcast_id) / "script.yaml").read_text(encoding="utf-8"))
    assert script["intro"] == "attention" and "outro" not in script
    assert manifest["items"][0]["kind"] == "jingle" and manifest["items"][-1]["kind"] != "jingle"
    # The result page's re-render form shows the choices made.
    result = client.get(job["result"]).text
    assert f'<option value="{bed_id}" selected>' in result and 'value="-18"' in result
    assert '<option value="attention" selected>' in result

    r = client.post("/broadcasts", data={"csrf": csrf(client), "cleaned": NOTICE, **OPTIONS, "bed": "0" * 32})
    assert r.status_code == 400 and "没有这个背景音乐" in r.text
    r = client.post("/broadcasts", data={"csrf": csrf(client), "cleaned": NOTICE, **OPTIONS, "bed": bed_id, "bed_level_db": "5"})
    assert r.status_code == 400 and "-60 到 0 分贝" in r.text
    client.post(f"/music/{bed_id}/delete", data={"csrf": csrf(client, "/music")})
    assert client.get(f"/music/{bed_id}").status_code == 404 and not (data.music_dir / f"{bed_id}.mp3").exists()


def test_web_names_agree_with_the_mixer():
    from broadcaster.mix.jingles import BUILTIN_JINGLES
    from broadcaster.model import MusicBed
    from broadcaster.web import compose

    assert set(compose.JINGLES_ZH) == set(BUILTIN_JINGLES)
    assert (compose.BED_LEVEL_DB, compose.BED_DUCK_DB) == (MusicBed.level_db, MusicBed.duck_db)


def test_the_web_server_process_does_not_load_numpy(tmp_path):
    import subprocess
    import sys

    code = ("import sys; from broadcaster.web.app import create_app; app = create_app(sys.argv[1], start_runner=False, "
            "voices=[('fake', 'v1', 'x')]); c = app.test_client(); "
            "[c.get(p) for p in ('/', '/daily', '/music', '/jobs')]; print('numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "d")], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stderr


def test_export_refuses_a_card_mounted_read_only(client, tmp_path, monkeypatch):
    """What a card with its lock switch on looks like to the system (a read-only mount), for root too."""
    job = _render(client)
    target = tmp_path / "SDCARD"
    target.mkdir()
    real = os.statvfs

    class ReadOnly:
        def __init__(self, result):
            self._r = result

        def __getattr__(self, name):
            return os.ST_RDONLY | self._r.f_flag if name == "f_flag" else getattr(self._r, name)

    monkeypatch.setattr(os, "statvfs", lambda p: ReadOnly(real(p)) if Path(p) == target else real(p))
    monkeypatch.setattr("broadcaster.package.export_media.mount_fs_type", lambda p: "vfat")
    r = client.post(job["result"] + "/export", data={"csrf": csrf(client), "target_path": str(target), "device": "sdcard"})
    assert r.status_code == 400 and "写保护开关" in _error(r.text) and not list(target.iterdir())


def test_runs_of_the_same_second_are_all_listed_newest_first(tmp_path):
    from broadcaster.daily.job import RUN_LOG, RunReport
    from broadcaster.web.daily import runs

    started = "2026-11-30T06:00:00+08:00"
    first = RunReport(date="2026-11-30", started=started, finished=started, status="ok", synthesised=4)
    second = RunReport(date="2026-11-30", started=started, finished="2026-11-30T06:00:01+08:00", status="unchanged")
    (tmp_path / RUN_LOG).write_text(first.log_line() + "\n" + second.log_line() + "\n", encoding="utf-8")
    (tmp_path / "run.json").write_text(json.dumps(second.__dict__), encoding="utf-8")
    listed = runs(tmp_path)
    assert [r.status for r in listed] == ["unchanged", "ok"] and listed[0].duration_s == 1.0 and listed[1].synthesised == 4


def test_over_the_network_only_a_detected_card_is_a_target(client, tmp_path):
    """清除 removes audio files at the top of the target: a colleague on another
    computer may not name a folder of the server's disk, nor an undetected one."""
    (tmp_path / "media" / "KINGSTON").mkdir(parents=True)
    folder = tmp_path / "someone's music"
    folder.mkdir()
    (folder / "song.mp3").write_bytes(b"song")
    job = _render(client)
    url = job["result"] + "/export"
    r = client.post(url, data={"csrf": csrf(client), "target_path": str(folder), "device": "folder", "clean": "1"},
                    environ_overrides={"REMOTE_ADDR": "192.168.1.20"})
    assert r.status_code == 400 and "只能导出到这台电脑上插着的U盘或SD卡" in _error(r.text)
    assert sorted(p.name for p in folder.iterdir()) == ["song.mp3"]
    r = client.post(url, data={"csrf": csrf(client), "target": str(folder), "device": "folder", "clean": "1"},
                    environ_overrides={"REMOTE_ADDR": "192.168.1.20"})
    assert r.status_code == 400 and "没有找到这个U盘或SD卡" in _error(r.text)
    assert sorted(p.name for p in folder.iterdir()) == ["song.mp3"]
    r = client.post(url, data={"csrf": csrf(client), "target": str(tmp_path / "media" / "KINGSTON"), "device": "folder"},
                    environ_overrides={"REMOTE_ADDR": "192.168.1.20"})
    assert r.status_code == 200 and (tmp_path / "media" / "KINGSTON" / "01" / "001.MP3").is_file()
