"""A small county for the county tests: villages that share the county's
items and differ in their opening and their village news, spoken by the
fake engine (tests/support.py)."""
from __future__ import annotations

from pathlib import Path

SHARED_TEXTS = {
    "01-fire.txt": "县应急管理局提醒：冬季天干物燥，请不要焚烧秸秆。发现火情请立即拨打119。",
    "02-insurance.txt": "县医疗保障局通知：城乡居民医疗保险集中缴费已经开始，截止日期为十二月三十一日。",
}
VILLAGES = {"hudong": "湖东村", "shiqiao": "石桥村", "liuwan": "柳湾村"}


def village_script(station: str, engine: str = "fake", news: str | None = None) -> str:
    news = news or f"{station}村委会通知：本周六上午九点召开村民代表会议。"
    return (f"title: '{{station}}{{date}}广播'\nstation: {station}广播站\nvoice: {{engine: {engine}}}\nfallback: [{engine}]\n"
            "items:\n"
            "  - jingle: chime\n"
            "  - text: 今天是{date}，{weekday}。{station}现在开始广播。\n"
            "  - article: ../shared/01-fire.txt\n"
            "  - article: ../shared/02-insurance.txt\n"
            f"  - text: {news}\n"
            "  - jingle: chime-end\n")


def make_county(folder: Path, villages: dict[str, str] = VILLAGES, *, extra: str = "", engine: str = "fake") -> Path:
    """county.yaml with `villages` (file name → village name) in villages/, the shared items in shared/."""
    (folder / "shared").mkdir(parents=True, exist_ok=True)
    (folder / "villages").mkdir(exist_ok=True)
    for name, text in SHARED_TEXTS.items():
        (folder / "shared" / name).write_text(text, encoding="utf-8")
    for stem, station in villages.items():
        (folder / "villages" / f"{stem}.yaml").write_text(village_script(station, engine), encoding="utf-8")
    path = folder / "county.yaml"
    path.write_text(f"county: 青山县\nvillages: villages/\nshared: shared/\nroot: out\ncache: cache\n{extra}", encoding="utf-8")
    return path


def example_county(folder: Path) -> Path:
    """examples/county copied to `folder`, spoken by the fake engine, its programmes in `folder`/out."""
    import shutil

    example = Path(__file__).resolve().parents[1] / "examples" / "county"
    shutil.copytree(example, folder)
    for script in (folder / "villages").glob("*.yaml"):
        text = script.read_text(encoding="utf-8")
        assert "engine: kokoro, name: zf_xiaoxiao" in text and "fallback: [kokoro]" in text
        script.write_text(text.replace("engine: kokoro, name: zf_xiaoxiao", "engine: fake")
                          .replace("fallback: [kokoro]", "fallback: [fake]"), encoding="utf-8")
    county = folder / "county.yaml"
    lines = county.read_text(encoding="utf-8").splitlines()
    lines = [("root: out" if line.startswith("root:") else line) for line in lines] + ["cache: cache"]
    county.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return county
