"""broadcaster serve in a real headless browser (Debian's chromium + chromium-driver, via selenium):
paste a notice, render it, watch the progress finish, play the result, download the zip,
add a dictionary entry and hear it. Screenshots of the main pages are kept in
test-artefacts/screenshots/ (docs/ holds some of them for docs/web.md and docs/使用说明.md)."""
from __future__ import annotations

import time
import zipfile

import pytest

from browser_support import NEEDS_CHROMIUM, chromium, serving
from browser_support import shot as _shot
from web_support import NOTICE, make_app

selenium = pytest.importorskip("selenium")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

pytestmark = NEEDS_CHROMIUM


@pytest.fixture
def server(tmp_path):
    app = make_app(tmp_path / "data")
    with serving(app) as base_url:
        yield base_url, app


@pytest.fixture
def browser(tmp_path):
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    driver = chromium("--window-size=1280,1000", "--autoplay-policy=no-user-gesture-required",
                      prefs={"download.default_directory": str(downloads), "download.prompt_for_download": False})
    driver.downloads = downloads
    yield driver
    driver.quit()


def _playing(driver, element_id: str, timeout_s: float = 20) -> float:
    """Seconds the element has played; the browser decoded and ran the audio."""
    WebDriverWait(driver, timeout_s).until(
        lambda d: d.execute_script(f"var a = document.getElementById('{element_id}'); return a && a.currentTime > 0.3;"))
    return driver.execute_script(f"return document.getElementById('{element_id}').currentTime;")


def test_paste_render_play_and_download(server, browser):
    base, app = server
    browser.get(base + "/")
    _shot(browser, "new-broadcast")
    browser.find_element(By.NAME, "title").send_keys("停水通知")
    browser.find_element(By.NAME, "text").send_keys(NOTICE)
    Select(browser.find_element(By.NAME, "voice")).select_by_value("fake:v1")
    browser.find_element(By.ID, "next").click()

    spoken = WebDriverWait(browser, 30).until(EC.presence_of_element_located((By.ID, "spoken")))
    assert "十二月一日八点到十二点停水" in spoken.get_attribute("value")
    _shot(browser, "review")
    browser.find_element(By.ID, "render").click()
    WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.ID, "job-progress")))
    _shot(browser, "progress")

    link = WebDriverWait(browser, 60).until(EC.visibility_of_element_located((By.ID, "result-link")))
    assert browser.find_element(By.ID, "job-state").text == "已完成"
    progress = browser.find_element(By.ID, "job-progress")
    assert progress.get_attribute("value") == progress.get_attribute("max")
    link.click()

    WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.ID, "player")))
    browser.execute_script("document.getElementById('player').play();")
    assert _playing(browser, "player") > 0.3
    # The caption under the player is the text being spoken (from the SRT, as WebVTT).
    WebDriverWait(browser, 20).until(lambda d: d.find_element(By.ID, "caption-line").text.strip())
    assert "停水" in browser.find_element(By.ID, "caption-line").text or "各位村民" in browser.find_element(By.ID, "caption-line").text
    _shot(browser, "result")

    browser.find_element(By.ID, "download-zip").click()
    deadline = time.monotonic() + 30
    while not list(browser.downloads.glob("*.zip")) and time.monotonic() < deadline:
        time.sleep(0.2)
    archive = zipfile.ZipFile(next(browser.downloads.glob("*.zip")))
    assert {"programme.mp3", "manifest.json", "programme.srt"} <= set(archive.namelist())

    for page, name in (("/jobs", "queue"), ("/history", "history")):
        browser.get(base + page)
        assert "停水通知" in browser.find_element(By.TAG_NAME, "main").text
        _shot(browser, name)


def test_add_a_dictionary_entry_and_hear_it(server, browser):
    base, app = server
    browser.get(base + "/lexicon")
    browser.find_element(By.NAME, "word").send_keys("溱潼")
    browser.find_element(By.NAME, "say").send_keys("琴潼")
    browser.find_element(By.ID, "add-word").click()
    row = WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.XPATH, "//td[text()='溱潼']/..")))
    assert "琴潼" in row.text
    _shot(browser, "lexicon")
    row.find_element(By.CSS_SELECTOR, "button.preview").click()
    assert _playing(browser, "preview-player", timeout_s=60) > 0.3
    assert "溱潼" in (app.extensions["broadcaster"]["data"].lexicon_file.read_text(encoding="utf-8"))


def test_pages_work_without_script(server, tmp_path):
    """Older office browsers: the plain forms and refreshing pages do the whole job without JavaScript."""
    base, _ = server
    driver = chromium(prefs={"profile.managed_default_content_settings.javascript": 2})
    try:
        driver.get(base + "/")
        driver.find_element(By.NAME, "text").send_keys(NOTICE)
        driver.find_element(By.ID, "next").click()
        WebDriverWait(driver, 30).until(EC.presence_of_element_located((By.ID, "render"))).click()
        # No polling script: the page refreshes itself until the render is done.
        WebDriverWait(driver, 90).until(EC.visibility_of_element_located((By.ID, "result-link"))).click()
        assert driver.find_element(By.ID, "download-mp3").get_attribute("href").endswith("programme.mp3?download=1")
    finally:
        driver.quit()


def test_run_the_daily_programme_and_hear_latest(server, browser):
    """每日广播: 立即运行 queues run-daily, the progress page leads back, and the latest programme plays in the page."""
    from test_web_daily_export import DAILY_SCRIPT

    base, app = server
    folder = app.extensions["broadcaster"]["data"].daily_dir / "湖东村"
    (folder / "inbox").mkdir(parents=True)
    (folder / "daily.yaml").write_text(DAILY_SCRIPT, encoding="utf-8")
    browser.get(base + "/daily")
    browser.find_element(By.XPATH, "//button[text()='立即运行']").click()
    WebDriverWait(browser, 60).until(EC.visibility_of_element_located((By.ID, "result-link"))).click()
    WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.ID, "daily-latest-1")))
    assert "成功" in browser.find_element(By.CSS_SELECTOR, "table.runs").text
    browser.execute_script("document.getElementById('daily-latest-1').play();")
    assert _playing(browser, "daily-latest-1") > 0.3
    _shot(browser, "daily")
