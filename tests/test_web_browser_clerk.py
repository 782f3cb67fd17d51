"""The clerk's day in a real headless browser (issue 26): the daily broadcast set up from an
empty data folder and heard, the fallback said, the long paste, the punctuation-only paste,
a double submit, and the confirmations. One server and one browser for the module (CI time);
screenshots go to test-artefacts/screenshots/ beside those of test_web_browser.py."""
from __future__ import annotations

import os
import re
import stat
import time

import pytest

from browser_support import NEEDS_CHROMIUM, chromium, serving
from browser_support import shot as _shot
from web_support import NOTICE, make_app

selenium = pytest.importorskip("selenium")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

pytestmark = NEEDS_CHROMIUM


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("clerk")
    bin_dir = home / "bin"
    bin_dir.mkdir()
    calls = home / "systemctl.log"
    tool = bin_dir / "systemctl"  # records what it is asked, as a working systemd would accept it
    tool.write_text(f'#!/bin/sh\necho "systemctl $*" >> "{calls}"\n')
    tool.chmod(tool.stat().st_mode | stat.S_IEXEC)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
        mp.setenv("XDG_CONFIG_HOME", str(home / "config"))
        mp.setenv("BROADCASTER_CACHE_DIR", str(home / "cache"))
        app = make_app(home / "data")
        with serving(app) as base_url:
            yield base_url, app


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = chromium("--window-size=1366,768", "--autoplay-policy=no-user-gesture-required")
    yield driver
    driver.quit()


def _type(driver, name: str, text: str) -> None:
    """Fill a field at once (send_keys types a character at a time: minutes for a long paste)."""
    field = driver.find_element(By.NAME, name)
    driver.execute_script("arguments[0].value = arguments[1];", field, text)


def _jobs(app) -> list[dict]:
    return app.extensions["broadcaster"]["store"].jobs()


def test_the_daily_broadcast_from_an_empty_data_folder(server, browser):
    base, app = server
    browser.get(base + "/daily")
    browser.find_element(By.ID, "daily-new").click()
    _type(browser, "name", "湖东村早间")
    _type(browser, "station", "湖东村广播站")
    Select(browser.find_element(By.NAME, "voice")).select_by_value("fake:v1")
    _shot(browser, "daily-new")
    browser.find_element(By.ID, "daily-save").click()
    said = WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.ID, "daily-said")))
    assert said.text == "已建好每日广播“湖东村早间”。下一步：添加今天的稿件，设定播出时间。"

    _type(browser, "text", "停水通知\n明天上午8点到12点停水，请提前储水。")
    browser.find_element(By.XPATH, "//button[text()='添加稿件']").click()
    WebDriverWait(browser, 30).until(EC.text_to_be_present_in_element((By.ID, "daily-said"), "已添加稿件“停水通知”"))
    times = browser.find_element(By.NAME, "times")
    times.clear()
    times.send_keys("06:00 17:30")
    browser.find_element(By.XPATH, "//button[text()='保存播出时间']").click()
    WebDriverWait(browser, 10).until(EC.text_to_be_present_in_element((By.ID, "daily-said"), "已设定每天 06:00、17:30 自动运行"))
    assert re.search(r"下次运行：(今天|明天)", browser.find_element(By.TAG_NAME, "main").text)
    _shot(browser, "daily-set-up")

    browser.find_element(By.XPATH, "//button[text()='立即运行']").click()
    WebDriverWait(browser, 90).until(EC.visibility_of_element_located((By.ID, "result-link"))).click()
    WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.ID, "daily-latest-1")))
    browser.execute_script("document.getElementById('daily-latest-1').play();")
    WebDriverWait(browser, 20).until(lambda d: d.execute_script("return document.getElementById('daily-latest-1').currentTime > 0.3;"))
    assert any(j["kind"] == "daily" and j["state"] == "done" for j in _jobs(app))
    browser.get(base + "/jobs")
    assert "每日广播：湖东村早间" in browser.find_element(By.TAG_NAME, "main").text


def test_the_fallback_is_said_on_the_job_page(server, browser, monkeypatch):
    base, app = server
    monkeypatch.setenv("FAKE_NETWORK_DOWN", "1")  # the job's process: the chosen voice's service cannot be reached
    browser.get(base + "/")
    _type(browser, "text", NOTICE)
    Select(browser.find_element(By.NAME, "voice")).select_by_value("fake:v1")
    browser.find_element(By.ID, "next").click()
    WebDriverWait(browser, 30).until(EC.presence_of_element_located((By.ID, "render"))).click()
    notes = WebDriverWait(browser, 60).until(EC.visibility_of_element_located((By.ID, "job-notes")))
    assert notes.text == "因为连不上网络，“停水通知”没有用所选的声音“测试女声”，改用“v1”读。"
    assert re.fullmatch(r"(\d+)/\1 段", browser.find_element(By.ID, "job-count").text)  # all done, never more than the total
    _shot(browser, "job-fallback")
    browser.find_element(By.ID, "result-link").click()
    assert "因为连不上网络" in WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.ID, "result-notes"))).text


def test_a_long_paste_and_a_paste_with_nothing_to_say(server, browser):
    base, _ = server
    browser.get(base + "/")
    _type(browser, "text", "各位村民请注意，明天上午停水。" * 13_000)  # 195,000 characters, 585 KB
    browser.find_element(By.ID, "next").click()
    spoken = WebDriverWait(browser, 60).until(EC.presence_of_element_located((By.ID, "spoken")))
    assert "明天上午停水" in spoken.get_attribute("value")[:100]

    browser.get(base + "/")
    _type(browser, "text", "。。。！！！")
    browser.find_element(By.ID, "next").click()
    alert = WebDriverWait(browser, 30).until(EC.presence_of_element_located((By.CSS_SELECTOR, "p.error")))
    assert alert.text == "这段文字只有标点或符号，没有可以播报的字。请检查粘贴的内容后重试。"
    _shot(browser, "nothing-to-say")


def test_a_double_submit_makes_one_broadcast(server, browser):
    base, app = server
    browser.get(base + "/")
    _type(browser, "title", "防火通知")
    _type(browser, "text", "防火通知\n请注意用火安全。")
    browser.find_element(By.ID, "next").click()
    WebDriverWait(browser, 30).until(EC.presence_of_element_located((By.ID, "render")))
    before = len(_jobs(app))
    # Two clicks at once, and then the form sent past the page's script (as a resubmit does).
    browser.execute_script("var b = document.getElementById('render'); b.click(); b.click();"
                           "HTMLFormElement.prototype.submit.call(document.getElementById('review'));")
    WebDriverWait(browser, 30).until(EC.presence_of_element_located((By.ID, "job-progress")))
    time.sleep(1)  # any second request has arrived by now (they are on this machine)
    assert len(_jobs(app)) == before + 1
    assert len([b for b in app.extensions["broadcaster"]["store"].broadcasts() if b["title"] == "防火通知"]) == 1


def test_delete_and_clear_ask_first(server, browser):
    base, app = server
    browser.get(base + "/lexicon")
    _type(browser, "word", "溱潼")
    _type(browser, "say", "琴潼")
    browser.find_element(By.ID, "add-word").click()
    row = WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.XPATH, "//td[text()='溱潼']/..")))
    row.find_element(By.XPATH, ".//button[text()='删除']").click()
    dialog = WebDriverWait(browser, 5).until(EC.alert_is_present())
    assert dialog.text == "确定要从读音词典里删除“溱潼”吗？删除后，下次制作会按一般读法读这个词。"
    dialog.dismiss()
    assert "溱潼" in app.extensions["broadcaster"]["data"].lexicon_file.read_text(encoding="utf-8")
    browser.find_element(By.XPATH, "//td[text()='溱潼']/..//button[text()='删除']").click()
    WebDriverWait(browser, 5).until(EC.alert_is_present()).accept()
    WebDriverWait(browser, 10).until(EC.invisibility_of_element_located((By.XPATH, "//td[text()='溱潼']")))
    assert "溱潼" not in app.extensions["broadcaster"]["data"].lexicon_file.read_text(encoding="utf-8")

    browser.get(base + "/cache")
    held = browser.find_element(By.ID, "cache-segments").text
    browser.find_element(By.XPATH, "//button[text()='清空缓存']").click()
    dialog = WebDriverWait(browser, 5).until(EC.alert_is_present())
    assert dialog.text.startswith("确定要清空语音缓存吗？")
    dialog.dismiss()
    assert browser.find_element(By.ID, "cache-segments").text == held
    browser.find_element(By.XPATH, "//button[text()='清空缓存']").click()
    WebDriverWait(browser, 5).until(EC.alert_is_present()).accept()
    WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.ID, "cache-removed")))
    assert browser.find_element(By.ID, "cache-segments").text.startswith("0 段")


def test_preview_says_it_is_being_made_and_plays_beside_its_line(server, browser):
    base, _ = server
    browser.get(base + "/")
    _type(browser, "text", "秋收通知\n请于10月8日前完成收割。")
    browser.find_element(By.ID, "next").click()
    WebDriverWait(browser, 30).until(EC.presence_of_element_located((By.ID, "render")))
    # What the button says the moment it is pressed, before any answer from the server.
    said = browser.execute_script("var b = document.querySelectorAll('button.preview')[1]; b.click(); return b.textContent;")
    assert said == "正在制作…"
    WebDriverWait(browser, 60).until(lambda d: d.execute_script(
        "var p = document.getElementById('preview-player'); return p.currentTime > 0.3 && "
        "p.parentNode === document.querySelectorAll('button.preview')[1].parentNode;"))
    assert browser.find_elements(By.CSS_SELECTOR, "button.preview")[1].text == "试听"
    browser.execute_script("document.getElementById('preview-player').scrollIntoView({block: 'center'});")
    _shot(browser, "preview-beside-line")


def test_the_progress_page_updates_in_place_and_says_when_it_reconnects(server, browser, monkeypatch):
    base, _ = server
    monkeypatch.setenv("FAKE_DELAY_S", "0.7")  # a render of some seconds (the job's process reads it)
    browser.get(base + "/")
    _type(browser, "text", NOTICE)
    browser.find_element(By.ID, "next").click()
    WebDriverWait(browser, 30).until(EC.presence_of_element_located((By.ID, "render"))).click()
    WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.ID, "job")))
    browser.execute_script("window.samePage = true;")  # gone if the page reloads itself
    status = browser.find_element(By.ID, "job").get_attribute("data-status")
    # The server stops answering (its status address now leads nowhere), then answers again.
    browser.execute_script("document.getElementById('job').setAttribute('data-status', '/jobs/0.json');")
    line = WebDriverWait(browser, 15).until(EC.visibility_of_element_located((By.ID, "job-reconnecting")))
    assert line.text.startswith("正在重新连接…")
    _shot(browser, "progress-reconnecting")
    browser.execute_script("document.getElementById('job').setAttribute('data-status', arguments[0]);", status)
    WebDriverWait(browser, 60).until(EC.visibility_of_element_located((By.ID, "result-link")))
    assert not browser.find_element(By.ID, "job-reconnecting").is_displayed()
    assert browser.execute_script("return window.samePage === true;")  # updated in place, never reloaded
