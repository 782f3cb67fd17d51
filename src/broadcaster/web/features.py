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


FEATURES = {
    "export": Feature("export", "broadcaster.export", "导出到U盘或SD卡"),
    "daily": Feature("daily", "broadcaster.daily", "每日广播"),
    "beds": Feature("beds", "broadcaster.mix.beds", "背景音乐"),
}


class NotAvailable(Exception):
    """The feature's module is not part of this installation yet."""

    def __init__(self, feature: Feature):
        super().__init__(f"“{feature.title}”功能尚未提供（需要 {feature.module} 模块）")
        self.feature = feature


def module(name: str):
    feature = FEATURES[name]
    try:
        return importlib.import_module(feature.module)
    except ModuleNotFoundError as exc:
        if exc.name and feature.module.startswith(exc.name):
            raise NotAvailable(feature) from None
        raise


def available(name: str) -> bool:
    try:
        module(name)
    except NotAvailable:
        return False
    return True
