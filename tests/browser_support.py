"""What the browser tests share: Debian's chromium and its driver, a real
waitress server on a free port of 127.0.0.1, and screenshots.

    with serving(make_app(data)) as base_url:
        driver = chromium("--window-size=1366,768")
"""
from __future__ import annotations

import shutil
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
NEEDS_CHROMIUM = pytest.mark.skipif(not (CHROMIUM and DRIVER),
                                    reason="needs Debian's chromium and chromium-driver (.ci/run installs them)")
SHOTS = Path(__file__).resolve().parents[1] / "test-artefacts" / "screenshots"


def chromium(*args: str, prefs: dict | None = None):
    """A headless Chromium in Chinese, with `args` (a window size, autoplay) added."""
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--lang=zh-CN", *args):
        options.add_argument(arg)
    if prefs:
        options.add_experimental_option("prefs", prefs)
    return webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=DRIVER))


def shot(driver, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / f"{name}.png"))


@contextmanager
def serving(app) -> Iterator[str]:
    """`app` on a real server (four threads) while the block runs; its base URL. Stops its job runner after."""
    from waitress.server import create_server

    httpd = create_server(app, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=httpd.run, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.effective_port}"
    finally:
        httpd.close()
        app.extensions["broadcaster"]["runner"].stop()
