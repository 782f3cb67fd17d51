"""What `broadcaster export` says it wrote: one line per file, in play order."""
from __future__ import annotations

from broadcaster.package.export import PROGRAMME_LIST, ExportReport


def export_lines(report: ExportReport) -> list[str]:
    """The lines printed after an export.

    >>> export_lines(report)  # doctest: +SKIP
    ['01/001.MP3  1:29  湖东村早间广播', ..., 'wrote 1 file (1.4 MB) and 节目单.txt to /media/card, in play order, checked']
    """
    lines = []
    for p in report.placements:
        minutes, seconds = divmod(round(p.duration_s), 60)
        lines.append(f"{p.rel}  {minutes}:{seconds:02d}  {p.title}")
    n = len(report.placements)
    lines.append(f"wrote {n} file{'' if n == 1 else 's'} ({report.total_bytes / 1e6:.1f} MB) and {PROGRAMME_LIST} "
                 f"to {report.target}, in play order, checked")
    if report.removed:
        lines.append(f"removed: {', '.join(report.removed)}")
    if report.other_audio:
        lines.append(f"note: {len(report.other_audio)} other audio file(s) or folder(s) on the medium will play too "
                     f"({', '.join(report.other_audio[:3])}); --clean removes them")
    return lines


def print_export(report: ExportReport) -> None:
    print("\n".join(export_lines(report)))
