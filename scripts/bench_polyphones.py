"""Polyphone accuracy of each way of choosing readings, on tests/text/polyphones.txt
(the set the rules were made on) or, with --set, tests/text/polyphones-heldout.txt
(sentences written after them).

Every line of the set is a notice-style sentence with the expected reading of
its polyphones in brackets (银行[hang2]); a reading is right when the
syllable and its dictionary tone (before sandhi) match. Approaches:

- pypinyin:        pypinyin over jieba words, with the built-in lexicon
                   (what the offline engine did before issue 27);
- +pypinyin-dict:  the same, with pypinyin-dict's large_pinyin phrases
                   looked up first for each jieba word;
- g2pM:            the g2pM 0.1.2.5 BiLSTM alone (if installed);
- broadcaster:     the engine's reader (place names, surnames, phrases found
                   inside words, context rules, the built-in lexicon);
- broadcaster+g2pM: the same, g2pM deciding polyphones left to the default.

    PYTHONPATH=src python scripts/bench_polyphones.py [--show-errors] [--set FILE]
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

SET = Path(__file__).resolve().parent.parent / "tests" / "text" / "polyphones.txt"
_MARK = re.compile(r"(.)\[([a-zü]+[1-5])\]")


def load_set(path: Path = SET) -> list[tuple[str, dict[int, str]]]:
    """[(sentence, {character index: expected reading})]."""
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        text, expected, pos = "", {}, 0
        for m in _MARK.finditer(line):
            text += line[pos:m.start()] + m.group(1)
            expected[len(text) - 1] = m.group(2)
            pos = m.end()
        text += line[pos:]
        if not expected or "[" in text:
            raise SystemExit(f"{path}:{n}: no reading in brackets, or a bracket left over")
        out.append((text, expected))
    return out


def engine_readings(text: str) -> list[tuple[str, str]]:
    """(character, reading, source) for each Han character, as the offline engine reads `text`."""
    from broadcaster.prepare import build_lexicon, prepare
    from broadcaster.synthesise.engines.mandarin_g2p import MandarinG2P

    g2p = _cached("g2p", MandarinG2P)
    lexicon = _cached("lexicon", build_lexicon)
    out = []
    for seg in prepare(text, lexicon=lexicon):
        for piece in g2p.pieces(seg.spoken, seg.pinyin):
            out += [(r.char, r.syllable, r.source) for r in piece.readings]
    return out


_CACHE: dict = {}


def _cached(name, make):
    if name not in _CACHE:
        _CACHE[name] = make()
    return _CACHE[name]


def _han_positions(text: str) -> list[int]:
    return [i for i, c in enumerate(text) if "\u3400" <= c <= "\u9fff"]


def by_engine(text: str) -> dict[int, str]:
    got = engine_readings(text)
    positions = _han_positions(text)
    if len(got) != len(positions):
        raise SystemExit(f"normalisation changed the characters of {text!r}; the set needs plain sentences")
    return {i: r for i, (_, r, _) in zip(positions, got)}


def by_pypinyin(text: str, phrases: dict | None = None) -> dict[int, str]:
    """The old path: built-in lexicon spans, else pypinyin over jieba words."""
    from pypinyin import Style, lazy_pinyin

    from broadcaster.prepare import build_lexicon, prepare
    from broadcaster.synthesise.engines.mandarin_readings import _tone3
    from broadcaster.synthesise.engines.mandarin_tones import spoken_tones  # noqa: F401 (same imports as the engine)
    from broadcaster.words import cut

    lexicon = _cached("lexicon", build_lexicon)
    readings: list[str] = []
    for seg in prepare(text, lexicon=lexicon):
        spoken, cursor = seg.spoken, 0
        for start, end, syllables in list(seg.pinyin) + [(len(spoken), len(spoken), "")]:
            for chunk in re.findall(r"[\u3400-\u9fff]+", spoken[cursor:start]):
                for word in cut(chunk):
                    if phrases is not None and word in phrases and len(phrases[word]) == len(word):
                        readings += [_tone3(p[0]) for p in phrases[word]]
                    else:
                        readings += lazy_pinyin([word], style=Style.TONE3, neutral_tone_with_five=True)
            readings += syllables.split()
            cursor = end
    return dict(zip(_han_positions(text), readings))


def by_g2pm(text: str) -> dict[int, str]:
    model = _cached("g2pm", _g2pm)
    got = model(text, tone=True, char_split=False)
    return {i: got[i].replace("u:", "v") for i in _han_positions(text) if i < len(got)}


def _g2pm():
    from g2pM import G2pM

    return G2pM()


def by_engine_and_g2pm(text: str) -> dict[int, str]:
    from broadcaster.synthesise.engines.mandarin_readings import is_polyphone

    ours = engine_readings(text)
    model = by_g2pm(text)
    out = {}
    for i, (char, reading, source) in zip(_han_positions(text), ours):
        out[i] = model.get(i, reading) if source == "default" and is_polyphone(char) else reading
    return out


def score(name: str, read, cases, show: bool) -> None:
    t0 = time.perf_counter()
    right = total = 0
    errors = []
    for text, expected in cases:
        got = read(text)
        for i, want in expected.items():
            total += 1
            if got.get(i) == want:
                right += 1
            else:
                errors.append(f"    {text[i]} {want} ≠ {got.get(i)}  {text}")
    elapsed = time.perf_counter() - t0
    print(f"{name:<20} {right:>4}/{total:<4} {right / total:7.2%}   {elapsed:5.1f} s")
    if show:
        print("\n".join(errors))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--show-errors", action="store_true")
    parser.add_argument("--set", type=Path, default=SET, help="the sentence file (default: tests/text/polyphones.txt)")
    args = parser.parse_args()
    cases = load_set(args.set)
    print(f"{args.set.name}: {len(cases)} sentences, {sum(len(e) for _, e in cases)} polyphones checked\n")
    print(f"{'approach':<20} {'right':>9} {'accuracy':>8}   time")
    score("pypinyin", by_pypinyin, cases, args.show_errors)
    t0 = time.perf_counter()
    from pypinyin_dict.phrase_pinyin_data.large_pinyin import phrases_dict as large

    print(f"  (large_pinyin: {len(large)} phrases, loaded in {time.perf_counter() - t0:.1f} s)")
    score("+pypinyin-dict", lambda t: by_pypinyin(t, large), cases, args.show_errors)
    try:
        import g2pM  # noqa: F401
    except ImportError:
        print(f"{'g2pM':<20} not installed (pip install g2pM==0.1.2.5 to compare)")
        have_g2pm = False
    else:
        have_g2pm = True
        score("g2pM", by_g2pm, cases, args.show_errors)
    score("broadcaster", by_engine, cases, args.show_errors)
    if have_g2pm:
        score("broadcaster+g2pM", by_engine_and_g2pm, cases, args.show_errors)


if __name__ == "__main__":
    sys.exit(main())
