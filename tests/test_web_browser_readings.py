"""The review's ruby pinyin in a real headless browser (issue 27): a character clicked, another reading
picked, and the ruby changes in place. One server and one browser for the module, as in
test_web_browser_clerk.py; the screenshots go to test-artefacts/screenshots/."""
from __future__ import annotations


import pytest
import yaml

from browser_support import NEEDS_CHROMIUM, chromium, serving
from browser_support import shot as _shot
from web_support import make_app

selenium = pytest.importorskip("selenium")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

pytestmark = NEEDS_CHROMIUM
NOTICE = "农商银行行长下周到村里调研\n农商银行行长下周到村里调研，请各组长做好准备。大家可以把意见写在单子上，交给单书记。\n明天到溱潼镇开会。"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("readings")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BROADCASTER_CACHE_DIR", str(home / "cache"))
        app = make_app(home / "data")
        app.extensions["broadcaster"]["data"].lexicon_file.write_text(
            yaml.safe_dump({"溱潼": {"say": "溱潼", "pinyin": "qin2 tong2"}}, allow_unicode=True), encoding="utf-8")
        with serving(app) as base_url:
            yield base_url, app


@pytest.fixture(scope="module")
def browser():
    driver = chromium("--window-size=1366,768")
    yield driver
    driver.quit()


def _ruby(driver, value_start: str, line: int | None = None):
    """The (line's) changeable character whose button sends a value starting so ("行长|行长|1|")."""
    within = f"#segments > li:nth-child({line})" if line else "#segments"
    return driver.find_element(By.CSS_SELECTOR, f'{within} button.ruby[value^="{value_start}"]')


def test_a_character_clicked_another_reading_picked_and_the_ruby_changes(server, browser):
    base, app = server
    browser.get(base + "/")
    browser.execute_script("arguments[0].value = arguments[1];", browser.find_element(By.NAME, "text"), NOTICE)
    Select(browser.find_element(By.NAME, "voice")).select_by_value("fake:v1")
    browser.find_element(By.ID, "next").click()
    WebDriverWait(browser, 30).until(EC.presence_of_element_located((By.ID, "segments")))
    zhang = _ruby(browser, "银行行长|银行行长|3|", 2)
    assert zhang.text.split() == ["长", "zhǎng"]  # the character, its ruby
    browser.execute_script("arguments[0].scrollIntoView();", browser.find_element(By.XPATH, "//h2[text()='试听单句和读音']"))
    zhang.click()
    menu = WebDriverWait(browser, 10).until(EC.visibility_of_element_located((By.ID, "reading-menu")))
    WebDriverWait(browser, 10).until(lambda d: len(menu.find_elements(By.TAG_NAME, "button")) == 3)
    assert [b.text for b in menu.find_elements(By.TAG_NAME, "button")] == ["cháng", "zhǎng（现在）", "不改"]
    _shot(browser, "review-pinyin-choices")
    menu.find_element(By.XPATH, ".//button[text()='cháng']").click()
    said = WebDriverWait(browser, 30).until(EC.visibility_of_element_located((By.ID, "reading-said")))
    assert said.text == "已加入读音词典：“银行行长”读 yín háng háng cháng。"
    # The lines were read again with the new entry: this 长 and the one in the headline now say cháng.
    for line in (1, 2):
        assert browser.find_element(By.CSS_SELECTOR, f"#segments > li:nth-child({line}) .said").text.count("cháng") == 1
    assert _ruby(browser, "银行行长|银行行长|3|", 2).text.split() == ["长", "cháng"]
    lexicon = yaml.safe_load(app.extensions["broadcaster"]["data"].lexicon_file.read_text(encoding="utf-8"))
    assert lexicon["银行行长"] == {"say": "银行行长", "pinyin": "yin2 hang2 hang2 chang2"}
    _shot(browser, "review-pinyin-changed")


def test_the_keyboard_opens_and_closes_the_choices(server, browser):
    shan = _ruby(browser, "单|单|0|")
    shan.send_keys(Keys.ENTER)  # a button: Enter (or Space) activates it like a click
    menu = WebDriverWait(browser, 10).until(EC.visibility_of_element_located((By.ID, "reading-menu")))
    WebDriverWait(browser, 10).until(lambda d: menu.find_elements(By.TAG_NAME, "button"))
    assert browser.switch_to.active_element.text in ("chán", "dān")  # the first reading to choose has the focus
    browser.switch_to.active_element.send_keys(Keys.ESCAPE)
    WebDriverWait(browser, 5).until(lambda d: not d.find_elements(By.ID, "reading-menu"))
