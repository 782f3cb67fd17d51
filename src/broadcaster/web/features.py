"""Features other parts of broadcaster bring, reached through one small door.

Export to a USB stick or SD card, the daily job and music beds are built
elsewhere (issues 10 and 12). A page asks `available(name)` and shows
"尚未提供" when the module is absent, never a made-up result; when the
module lands, only this file learns how to call it.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Feature:
    name: str
    module: str
    title: str
    entry: str  # the function the pages call; a feature without it is not wired to the pages yet


FEATURES = {
    # The export (package/export.py) and the daily job (daily/) exist, but the
    # pages' entry points to them are not written yet: until they are, the
    # pages say so instead of calling something that is not there.
    "export": Feature("export", "broadcaster.package.export", "导出到U盘或SD卡", "export_folder"),
    "daily": Feature("daily", "broadcaster.daily.job", "每日广播", "status"),
    "beds": Feature("beds", "broadcaster.mix.beds", "背景音乐", "web_choices"),
}


class NotAvailable(Exception):
    """The feature's module is not part of this installation yet."""

    def __init__(self, feature: Feature):
        super().__init__(f"“{feature.title}”功能尚未提供（需要 {feature.module} 模块）")
        self.feature = feature


def module(name: str):
    feature = FEATURES[name]
    try:
        found = importlib.import_module(feature.module)
    except ModuleNotFoundError as exc:
        if exc.name and feature.module.startswith(exc.name):
            raise NotAvailable(feature) from None
        raise
    if not hasattr(found, feature.entry):
        raise NotAvailable(feature)
    return found


def available(name: str) -> bool:
    try:
        module(name)
    except NotAvailable:
        return False
    return True
