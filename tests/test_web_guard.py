"""Security of `broadcaster serve` at the HTTP level: where login may send the browser, names
and numbers in URLs that no file or row has, and the wait after wrong passwords (issue 26, item 8)."""
from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

from broadcaster.web.paths import DataDir
from web_support import csrf, make_app

PASSWORD = "村村响广播2026"


@pytest.fixture
def locked_app(tmp_path):
    from broadcaster.web.serve import set_password

    set_password(tmp_path / "data", PASSWORD)
    app = make_app(tmp_path / "data", start_runner=False)
    clock = [1000.0]
    app.extensions["broadcaster"]["throttle"].clock = lambda: clock[0]
    app.clock = clock
    return app


def _next_field(html: str) -> str:
    return re.search(r'name="next" value="([^"]*)"', html).group(1)


@pytest.mark.parametrize("query", [
    "//evil.example/", "/%09/evil.example/", "/%0a/evil.example", "/%5Cevil.example", "/%5C%5Cevil.example",
    "https://evil.example/", "javascript:alert(1)", "/%252F%252Fevil.example", "%2F%2Fevil.example", "/%00/x", "evil.example",
])
def test_login_sends_the_browser_only_to_our_own_pages(locked_app, query):
    client = locked_app.test_client()
    page = client.get(f"/login?next={query}")
    assert page.status_code == 200 and _next_field(page.text) == "/"
    token = csrf(client, "/login")
    # Posted straight (a forged form), decoded once as the browser's form would send it.
    r = client.post("/login", data={"csrf": token, "password": PASSWORD, "next": unquote(query)})
    assert r.status_code == 303 and r.headers["Location"] == "/"


def test_login_returns_to_the_page_asked_for(locked_app):
    client = locked_app.test_client()
    asked = client.get("/history?q=1")
    assert asked.status_code == 302
    page = client.get(asked.headers["Location"])
    assert _next_field(page.text) == "/history"
    r = client.post("/login", data={"csrf": csrf(client, "/login"), "password": PASSWORD, "next": "/history?q=停水"})
    assert r.status_code == 303 and unquote(r.headers["Location"]) == "/history?q=停水"


@pytest.mark.parametrize("path", [
    "/broadcasts/1/files/programme%00.mp3", "/broadcasts/1/files/%00", "/previews/%00.mp3", "/preview/ab%00cd",
    "/music/%00", "/daily/a%00b/latest", "/static/app.js%00", "/jobs/1%00",
])
def test_a_nul_byte_in_a_path_is_not_found(tmp_path, path):
    app = make_app(tmp_path / "data", start_runner=False)
    client = app.test_client()
    store = app.extensions["broadcaster"]["store"]
    store.add_broadcast("停水通知", "停水", {})  # broadcast 1 exists, so the file lookup itself is reached
    r = client.get(path)
    assert r.status_code == 404 and "找不到" in r.text


def test_the_data_folder_refuses_a_nul_byte_itself(tmp_path):
    from broadcaster.errors import InputError

    data = DataDir(tmp_path / "data").create()
    (data.output_dir(1)).mkdir(parents=True)
    with pytest.raises(InputError):
        data.output_file(1, "programme.mp3\0")


@pytest.mark.parametrize("path", [
    "/jobs/99999999999999999999", "/jobs/9223372036854775808", "/jobs/99999999999999999999.json",
    "/broadcasts/99999999999999999999", "/broadcasts/18446744073709551616/files/programme.mp3",
    "/broadcasts/99999999999999999999/captions.vtt", "/broadcasts/99999999999999999999/download.zip",
])
def test_an_id_too_large_for_the_database_is_not_found(tmp_path, path):
    client = make_app(tmp_path / "data", start_runner=False).test_client()
    r = client.get(path)
    assert r.status_code == 404 and "找不到" in r.text


def test_an_id_too_large_in_a_form_or_query_is_not_a_server_error(tmp_path):
    client = make_app(tmp_path / "data", start_runner=False).test_client()
    token = csrf(client)
    assert client.post("/jobs/99999999999999999999/cancel", data={"csrf": token}).status_code == 404
    assert client.post("/broadcasts/99999999999999999999/rerender", data={"csrf": token}).status_code == 404
    r = client.get("/preview/" + "a" * 32 + "?job=99999999999999999999")
    assert r.status_code == 200  # a preview not made yet, and no such job: the page says so


def _client_at(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_wrong_passwords_make_that_address_wait(locked_app):
    from broadcaster.web.security import FIRST_WAIT_S, FREE_TRIES

    client = _client_at(locked_app, "192.0.2.7")
    token = csrf(client, "/login")
    for n in range(1, FREE_TRIES + 1):
        r = client.post("/login", data={"csrf": token, "password": f"guess-{n}"})
        assert r.status_code == 401 and "密码不对" in r.text
    assert "请 30 秒后再试" in r.text  # the last wrong one says how long
    # Now even the right password is not checked until the wait is over.
    r = client.post("/login", data={"csrf": token, "password": PASSWORD})
    assert r.status_code == 429 and "密码输错的次数太多，请 30 秒后再试" in r.text
    # Another computer in the office is not made to wait.
    other = _client_at(locked_app, "192.0.2.8")
    assert other.post("/login", data={"csrf": csrf(other, "/login"), "password": PASSWORD}).status_code == 303
    # One more wrong password after the wait: the next wait is twice as long.
    locked_app.clock[0] += FIRST_WAIT_S
    r = client.post("/login", data={"csrf": token, "password": "guess-again"})
    assert r.status_code == 401 and "请 60 秒后再试" in r.text
    locked_app.clock[0] += 59
    assert client.post("/login", data={"csrf": token, "password": PASSWORD}).status_code == 429
    locked_app.clock[0] += 1
    r = client.post("/login", data={"csrf": token, "password": PASSWORD})
    assert r.status_code == 303 and client.get("/history").status_code == 200
    # A good login forgets the misses: one wrong password later is not a wait.
    client.post("/logout", data={"csrf": csrf(client, "/login")})
    r = client.post("/login", data={"csrf": csrf(client, "/login"), "password": "typo"})
    assert r.status_code == 401 and "请重新输入" in r.text
