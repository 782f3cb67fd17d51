"""Two villages' renders in one process (a daily job for a township, a web
server) must not see each other: not their lexicons' words, not their
profiles, not their engines. Each gives exactly the output it gives alone,
one after the other and at the same time on two threads."""
from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from broadcaster.render import load_libraries, render_programme
from broadcaster.script import load_script
from broadcaster.synthesise.cache import SegmentCache
from support import write_script

# Village A's lexicon has the place name 溱潼, which makes it one word. Had
# that leaked into the word boundaries village B uses (it once did: words
# were taught to one tokenizer for the whole process), B's item titled
# 溱潼镇冬训通知 would be named qintong-zhen-… instead of qin-tongzhen-….
# B's own lexicon entry 长期 must apply in B and only there.
VILLAGE_A = """\
title: 湖东村广播
date: 2026-11-30
voice: {engine: fake}
lexicon: {溱潼: {pinyin: qin2 tong2}}
profile: {base: loudspeaker, target_lufs: -18}
items:
  - text: 溱潼镇的冬训今天开始。
  - text: 银行长期贷款的利率有变化。
"""

VILLAGE_B = """\
title: 溱潼村广播
date: 2026-11-30
voice: {engine: fake}
lexicon: {长期: {say: 长久}}
items:
  - text: 银行长期贷款的利率有变化。
  - text: 溱潼镇冬训请大家准时参加。
    title: 溱潼镇冬训通知
"""


def _outputs(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file() and p.name != "manifest.json"}


def _render(script: Path, out: Path, cache_dir: Path) -> dict[str, bytes]:
    render_programme(load_script(script), out, cache=SegmentCache(cache_dir))
    return _outputs(out)


@pytest.fixture
def villages(tmp_path, fake_engine):
    a = write_script(tmp_path, VILLAGE_A, "a.yaml")
    b = write_script(tmp_path, VILLAGE_B, "b.yaml")
    return a, b


def test_a_lexicon_scopes_its_words_to_its_own_render(villages, tmp_path):
    a, b = villages
    alone_b = _render(b, tmp_path / "b-alone", tmp_path / "cache-b-alone")
    _render(a, tmp_path / "a-then", tmp_path / "cache-shared")
    assert _render(b, tmp_path / "b-after-a", tmp_path / "cache-shared") == alone_b
    srt = (tmp_path / "b-after-a" / "programme.srt").read_text(encoding="utf-8")
    assert "银行长期贷款" in srt  # captions show the text as written ...
    assert "items/02-qin-tongzhen-dongxun-tongzhi.mp3" in alone_b
    manifest = json.loads((tmp_path / "b-after-a" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["items"][0]["text"] == "银行长久贷款的利率有变化。"  # ... and B's lexicon still applied
    assert manifest["profile"]["target_lufs"] == -16.0  # A's profile did not stay behind either


def test_two_renders_in_one_process_give_what_each_gives_alone(villages, tmp_path):
    a, b = villages
    alone = {"a": _render(a, tmp_path / "a-alone", tmp_path / "cache-a"), "b": _render(b, tmp_path / "b-alone", tmp_path / "cache-b")}

    # One after the other, in both orders, sharing one cache.
    for order in (("a", "b"), ("b", "a")):
        for name in order:
            script = a if name == "a" else b
            assert _render(script, tmp_path / f"seq-{''.join(order)}-{name}", tmp_path / f"cache-{''.join(order)}") == alone[name]

    # At the same time, on two threads, several times.
    load_libraries(engines=())  # what a multi-render program does first: no thread imports
    for round_ in range(5):
        results: dict[str, dict[str, bytes] | BaseException] = {}
        start = threading.Barrier(2)

        def run(name: str, script: Path) -> None:
            start.wait()
            try:
                results[name] = _render(script, tmp_path / f"par{round_}-{name}", tmp_path / f"cache-par{round_}")
            except BaseException as exc:  # noqa: BLE001 - reported below
                results[name] = exc

        threads = [threading.Thread(target=run, args=(n, s)) for n, s in (("a", a), ("b", b))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert results == alone, f"round {round_}"
