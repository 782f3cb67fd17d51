"""The package layout shows the flow, and no import runs back up it.

script → prepare → synthesise → mix → package; the values passed between
them live in `broadcaster.model`, and shared foundations (errors, settings,
durable files, the codec, ...) sit at the top level. A stage imports the
model, the foundations and its own modules only; the orchestration
(`render`, the CLI) imports everything. Every import is checked, including
those inside functions.
"""
from __future__ import annotations

import ast
from pathlib import Path

import broadcaster

ROOT = Path(broadcaster.__file__).parent
STAGES = ("script", "prepare", "synthesise", "mix", "package")
FOUNDATION = ("model", "errors", "settings", "durable", "memory", "profiles", "codec", "resample", "links", "words", "meter",
              "yaml_lines", "pcm_file", "filters", "true_peak")
# The one import down the flow from an earlier stage: an article in today's
# inbox that cannot be read is skipped while the script loads (a warning, not
# a failed broadcast), which means reading it there.
DOWN_THE_FLOW = {("broadcaster.script.inbox", "broadcaster.prepare.pipeline")}
APPLICATION = ("render", "cli", "textcmd", "summary", "progress", "daily", "county", "web", "urgent", "__init__", "__main__")


def _modules() -> dict[str, Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        out[".".join(("broadcaster",) + parts)] = path
    return out


def _part(module: str) -> str:
    """broadcaster.mix.timeline → "mix"; broadcaster.render → "render"."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path, module: str) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("broadcaster")}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            if base == "broadcaster":  # `from broadcaster import settings` names the module
                found |= {f"broadcaster.{a.name}" for a in node.names if not a.name.startswith("__")}
            elif base.startswith("broadcaster"):
                found.add(base)
    return found


def test_every_module_is_placed():
    unplaced = sorted(m for m in _modules() if _part(m) not in STAGES + FOUNDATION + APPLICATION)
    assert unplaced == [], "place these in a stage, the foundations or the application"


def test_no_import_runs_back_up_the_flow():
    bad = []
    for module, path in _modules().items():
        part = _part(module)
        if part in APPLICATION:
            continue
        for target in _imports(path, module):
            to = _part(target)
            allowed = FOUNDATION + ((part,) if part in STAGES else ())
            if to not in allowed and (module, target) not in DOWN_THE_FLOW:
                bad.append(f"{module} imports {target}")
    assert bad == []


def test_foundations_import_no_stage():
    for module, path in _modules().items():
        if _part(module) in FOUNDATION:
            assert not {t for t in _imports(path, module) if _part(t) in STAGES + APPLICATION}, module


def test_no_import_cycle_between_modules():
    modules = _modules()
    graph = {m: {t for t in _imports(p, m) if t in modules} for m, p in modules.items()}
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(m: str, stack: list[str]) -> bool:
        state[m] = 1
        for t in sorted(graph[m]):
            if t == m or t.startswith(m + "."):
                continue  # a package's __init__ re-exporting its own modules
            if state.get(t) == 1 and not m.startswith(t + "."):
                cycle.extend(stack[stack.index(t):] + [m, t] if t in stack else [m, t])
                return True
            if t not in state and visit(t, stack + [m]):
                return True
        state[m] = 2
        return False

    for m in sorted(graph):
        if m not in state and visit(m, []):
            break
    assert cycle == []


def test_the_stage_folders_are_the_flow():
    folders = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert set(STAGES) | {"model"} <= folders
    assert not folders & {"text", "tts", "audio"}  # the old names are gone
