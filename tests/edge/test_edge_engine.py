"""EdgeEngine against the local fake service: the happy path, voices, threads."""
from __future__ import annotations

import asyncio
import threading

import numpy as np
import pytest

from broadcaster.errors import InputError
from broadcaster.model import SpeechRequest, Voice
from broadcaster.synthesise.engines.base import Engine
from broadcaster.synthesise.engines.edge import EdgeEngine
from broadcaster.synthesise.engines.edge_truncation import spoken_units
from fake_service import LEAD_S, TAIL_S

TEXTS = [
    "今天下午三点在村委会开会。请各位村民准时参加！",
    "明天上午停水，请提前储水。",
    "注意防火。",
]


def expected_s(text: str, ms_per_char: float = 220.0, rate_factor: float = 1.0) -> float:
    return LEAD_S + len(text) * ms_per_char / 1000.0 / rate_factor + TAIL_S


def req(text: str, **voice) -> SpeechRequest:
    return SpeechRequest(text, Voice("edge", **voice))


def test_satisfies_the_engine_protocol():
    import edge_tts

    e = EdgeEngine()
    assert isinstance(e, Engine)
    assert e.name == "edge"
    assert e.model_id() == f"edge-tts-{edge_tts.__version__}/respell-1"
    assert e.default_voice() == "zh-CN-XiaoxiaoNeural"


def test_happy_path_speech_and_sentence_marks(fake_edge, engine_for):
    svc = fake_edge()
    engine = engine_for(svc)
    done = []
    results = engine.synthesize_many([req(t) for t in TEXTS], progress=done.append)

    assert done == [1, 1, 1]
    for text, speech in zip(TEXTS, results):
        assert not isinstance(speech, Exception), speech
        assert speech.rate_hz == 24_000
        assert speech.samples.dtype == np.float32 and speech.samples.ndim == 1
        assert np.abs(speech.samples).max() <= 1.0
        assert np.sqrt(np.mean(speech.samples ** 2)) > 0.05  # a real tone, not silence
        # MP3 framing adds a few tens of ms at most
        assert speech.duration_s == pytest.approx(expected_s(text), abs=0.12)
    first = results[0].marks
    assert [m.text for m in first] == ["今天下午三点在村委会开会。", "请各位村民准时参加！"]
    assert first[0].offset_s == pytest.approx(LEAD_S, abs=1e-3)
    assert first[1].offset_s == pytest.approx(first[0].offset_s + first[0].duration_s, abs=1e-3)
    assert first[-1].offset_s + first[-1].duration_s <= results[0].duration_s
    assert sorted(svc.stats()["texts"]) == sorted(TEXTS)
    assert engine.last_stats["attempts"] == 3 and engine.last_stats["retries"] == 0


def test_voice_rate_volume_pitch_and_escaping_reach_the_service(fake_edge, engine_for):
    svc = fake_edge()
    text = "A&B <通知> \"请\" 'x' 到场。"
    [speech] = engine_for(svc).synthesize_many(
        [req(text, name="zh-CN-shaanxi-XiaoniNeural", rate="+50%", volume="-10%", pitch="+5Hz")]
    )
    assert not isinstance(speech, Exception), speech
    [rec] = svc.records
    assert rec.text == text  # escaped for the SSML, unescaped by the service
    assert rec.voice == "zh-CN-shaanxi-XiaoniNeural"
    assert rec.rate == "+50%"
    assert speech.marks[0].text == text
    # a faster rate gives shorter audio, and the truncation check scales with it
    assert speech.duration_s == pytest.approx(expected_s(text, rate_factor=1.5), abs=0.12)


def test_dictionary_pinyin_is_sent_as_characters_with_only_that_reading(fake_edge, engine_for):
    """edge takes text, not phonemes: a lexicon word with pinyin is respelled
    (单 shàn → 善, 蚌埠 → 蹦布), the caption text is untouched, and the clip
    notes say how each word was said; a syllable no common character reads
    only that way (a neutral tone) is left as written, and noted."""
    svc = fake_edge()
    engine = engine_for(svc)
    forced = SpeechRequest("单书记去了蚌埠。", Voice("edge"), pinyin=((0, 1, "shan4"), (5, 7, "beng4 bu4")))
    unforced = SpeechRequest("走吧。", Voice("edge"), pinyin=((1, 2, "ba5"),))
    results = engine.synthesize_many([forced, unforced])
    assert not any(isinstance(r, Exception) for r in results), results
    assert sorted(svc.stats()["texts"]) == sorted(["善书记去了蹦布。", "走吧。"])
    assert engine.reading_notes(forced) == ("edge: 单 (shan4) sent as 善", "edge: 蚌埠 (beng4 bu4) sent as 蹦布")
    assert engine.reading_notes(unforced) == ("edge: 吧 (ba5): reading not forced (no character is read only ba5)",)
    assert engine.reading_notes(req("没有词典词。")) == ()


def test_empty_text_gives_empty_speech_without_a_connection(fake_edge, engine_for):
    svc = fake_edge()
    [speech] = engine_for(svc).synthesize_many([req("  \n")])
    assert speech.duration_s == 0 and speech.marks == []
    assert svc.stats()["connections"] == 0


def test_works_from_a_thread_and_inside_a_running_loop(fake_edge, engine_for):
    svc = fake_edge()
    engine = engine_for(svc)
    out = {}

    def in_thread():
        out["thread"] = engine.synthesize_many([req("线程里合成。")])

    t = threading.Thread(target=in_thread)
    t.start()
    t.join(30)

    async def in_loop():
        return engine.synthesize_many([req("事件循环里合成。")])

    out["loop"] = asyncio.run(in_loop())
    for key in ("thread", "loop"):
        [speech] = out[key]
        assert not isinstance(speech, Exception), (key, speech)
        assert speech.duration_s > 1.0


def test_env_points_the_engine_at_the_service(fake_edge, monkeypatch):
    svc = fake_edge()
    monkeypatch.setenv("BROADCASTER_EDGE_WSS_URL", svc.url)
    monkeypatch.setenv("BROADCASTER_EDGE_CONCURRENCY", "2")
    monkeypatch.setenv("BROADCASTER_EDGE_ATTEMPTS", "2")
    engine = EdgeEngine()
    assert engine.concurrency == 2 and engine.attempts == 2
    assert engine.voices_url.startswith(f"http://{svc.base}/")
    [speech] = engine.synthesize_many([req("环境变量指向本地服务。")])
    assert not isinstance(speech, Exception), speech
    assert svc.stats()["connections"] == 1


def test_bad_env_values_are_input_errors(monkeypatch):
    monkeypatch.setenv("BROADCASTER_EDGE_CONCURRENCY", "many")
    with pytest.raises(InputError, match="BROADCASTER_EDGE_CONCURRENCY"):
        EdgeEngine()
    monkeypatch.setenv("BROADCASTER_EDGE_CONCURRENCY", "0")
    with pytest.raises(InputError, match="from 1 to 32"):
        EdgeEngine()


@pytest.mark.parametrize("name", [
    "zh-CN-XiaoxiaoNeural", "zh-CN-shaanxi-XiaoniNeural", "zh-CN-liaoning-XiaobeiNeural",
    "zh-HK-HiuGaaiNeural", "en-US-EmmaMultilingualNeural", "fil-PH-AngeloNeural",
    "Microsoft Server Speech Text to Speech Voice (zh-CN, YunyangNeural)",
])
def test_check_voice_accepts_edge_names(name):
    EdgeEngine().check_voice(Voice("edge", name))


@pytest.mark.parametrize("name", [
    "", "Xiaoxiao", "zh-CN-Xiaoxiao", "zh_CN_XiaoxiaoNeural", "zh-cn-XiaoxiaoNeural",
    "zh-CN-XiaoxiaoNeural; rm -rf /", "../zh-CN-XiaoxiaoNeural", "zh-CN-Shaanxi-XiaoniNeural",
    "af_heart",
])
def test_check_voice_rejects_junk(name):
    with pytest.raises(InputError, match="Edge voice"):
        EdgeEngine().check_voice(Voice("edge", name))


def test_invalid_voice_in_a_request_is_returned_not_sent(fake_edge, engine_for):
    svc = fake_edge()
    good, bad = engine_for(svc).synthesize_many([req("好的。"), req("坏的。", name="Xiaoxiao")])
    assert not isinstance(good, Exception)
    assert isinstance(bad, InputError)
    assert svc.stats()["texts"] == ["好的。"]


def test_list_voices_without_network_returns_the_builtin_list():
    voices, note = EdgeEngine(list_timeout_s=2).list_voices()
    assert "built-in" in note
    names = [v.name for v in voices]
    for must in ["zh-CN-XiaoxiaoNeural", "zh-CN-YunyangNeural", "zh-CN-shaanxi-XiaoniNeural",
                 "zh-CN-liaoning-XiaobeiNeural", "zh-CN-henan-YundengNeural",
                 "zh-HK-HiuGaaiNeural", "zh-HK-WanLungNeural", "zh-TW-HsiaoChenNeural", "zh-TW-YunJheNeural"]:
        assert must in names
    assert all(v.engine == "edge" and v.gender in ("Female", "Male") for v in voices)
    groups = [("dialect" if n.count("-") == 3 else n[:5]) for n in names]
    order = ["zh-CN", "dialect", "zh-HK", "zh-TW"]
    assert [order.index(g) for g in groups] == sorted(order.index(g) for g in groups)
    shaanxi = next(v for v in voices if v.name == "zh-CN-shaanxi-XiaoniNeural")
    assert shaanxi.locale == "zh-CN-shaanxi" and "Shaanxi" in shaanxi.note


def test_list_voices_live_from_the_service_puts_chinese_first(fake_edge):
    svc = fake_edge()
    voices, note = EdgeEngine(wss_url=svc.url).list_voices()
    assert note == ""
    assert [v.name for v in voices] == [
        "zh-CN-XiaoxiaoNeural", "zh-CN-YunyangNeural", "zh-CN-shaanxi-XiaoniNeural",
        "zh-HK-HiuGaaiNeural", "zh-TW-HsiaoChenNeural", "en-US-EmmaMultilingualNeural",
    ]


def test_spoken_units_counts_syllables_conservatively():
    assert spoken_units("今天，开会。") == 4
    assert spoken_units("2024年") == 3
    assert spoken_units("WiFi 密码") == 3
    assert spoken_units("……！") == 0
