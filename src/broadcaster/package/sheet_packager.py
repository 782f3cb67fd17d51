"""The programme sheet's packager: programme.png (sheet.py) and programme.html (sheet_html.py)."""
from __future__ import annotations

from broadcaster.package.sheet import sheet_data, sheet_png
from broadcaster.package.sheet_html import sheet_html


class SheetPackager:
    """programme.png and programme.html, written by every render."""

    name = "sheet"

    def write(self, package) -> None:
        sheet = sheet_data(package)
        package.add("programme.png", sheet_png(sheet))
        package.add("programme.html", sheet_html(sheet).encode("utf-8"))
