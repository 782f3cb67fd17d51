"""The command line: parse, call the library, print. Nothing else lives here.

Exit status: 0 done, 1 failed while working, 2 bad input or usage.
No traceback without --debug.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Optional

import typer

from broadcaster.errors import BroadcasterError, InputError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Turn Mandarin texts and articles into finished broadcasts for village loudspeakers.",
)

_DEBUG = False


def _fail(message: str, code: int) -> None:
    print(f"broadcaster: error: {message}", file=sys.stderr)
    raise SystemExit(code)


_DATE_HELP = "Build the programme of this day (YYYY-MM-DD): dates in texts, today's articles [default: the script's date, else today]."


def _day(value: str | None):
    """`--date YYYY-MM-DD` as a date, or None."""
    import datetime as dt

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"--date: {value!r} is not a date like 2026-11-30") from None


def _warn(warnings: tuple[str, ...]) -> None:
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)


@app.command()
def render(
    script: Path = typer.Argument(..., help="The programme script (YAML)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Output folder [default: audio_out/<date>-<script name>]."),
    offline: bool = typer.Option(False, "--offline", help="Use the fallback engines only; never touch the network."),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 instead of falling back to another engine."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress output."),
    profile: Optional[str] = typer.Option(None, "--profile", help="Sound profile: loudspeaker, ip-broadcast, sdcard, web, screen, or a YAML file [default: the script's]."),
    date: Optional[str] = typer.Option(None, "--date", help=_DATE_HELP),
    video: bool = typer.Option(False, "--video", help="Also write programme.mp4 with burned-in captions (the screen profile does)."),
    size: Optional[str] = typer.Option(None, "--size", help="Video size WIDTHxHEIGHT, e.g. 960x320 [default 1920x1080]; implies --video."),
    vertical: bool = typer.Option(False, "--vertical", help="Video 1080x1920 for 视频号 and phones; implies --video."),
) -> None:
    """Render a script into programme.mp3, item files, playlist, captions, programme sheet and manifest."""
    from broadcaster.package.screen_options import print_sheet_paths, with_video
    from broadcaster.profiles import load_profile
    from broadcaster.progress import reporter_for
    from broadcaster.render import render_programme
    from broadcaster.script import load_script
    from broadcaster.summary import print_summary

    programme = load_script(script, _day(date))
    _warn(programme.warnings)
    chosen = load_profile(profile) if profile else None
    chosen = with_video(chosen or programme.profile, video=video, size=size, vertical=vertical)
    result = render_programme(programme, out, offline=offline, strict=strict, reporter=reporter_for(quiet=quiet), profile=chosen)
    print_summary(result)
    print_sheet_paths(result.out_dir)


@app.command()
def text(
    source: str = typer.Argument(..., metavar="INPUT", help="A script (.yaml), an article (.txt/.md/.html), or - for stdin."),
    explain: bool = typer.Option(False, "--explain", help="Show original, cleaned and normalised form of each segment, its syllables and the reading of each polyphone."),
    pinyin: bool = typer.Option(False, "--pinyin", help="After each segment, the syllables the offline voice says: one per Han character, tones 1-5 as spoken."),
    simplified: bool = typer.Option(False, "--simplified", help="Convert Traditional characters to Simplified."),
    date: Optional[str] = typer.Option(None, "--date", help=_DATE_HELP),
) -> None:
    """Print exactly the segments that would be spoken, one per line."""
    from broadcaster.textcmd import explain_lines, pinyin_lines, spoken_lines

    day = _day(date)
    show = explain_lines if explain else pinyin_lines if pinyin else spoken_lines
    lines = show(source, simplified, day)
    sys.stdout.write("".join(line + "\n" for line in lines))


@app.command()
def check(
    script: Path = typer.Argument(..., help="The programme script (YAML)."),
    date: Optional[str] = typer.Option(None, "--date", help=_DATE_HELP),
) -> None:
    """Validate a script and print the plan, without synthesising."""
    from broadcaster.render import plan_programme
    from broadcaster.script import load_script
    from broadcaster.summary import print_plan

    programme = load_script(script, _day(date))
    _warn(programme.warnings)
    print_plan(programme, plan_programme(programme))


@app.command()
def say(
    words: str = typer.Argument(..., metavar="TEXT", help="What to announce."),
    output: Path = typer.Option(..., "--output", "-o", help="The MP3 file to write."),
    voice: Optional[str] = typer.Option(None, "--voice", help="Voice name [default: the engine's]."),
    engine: str = typer.Option("kokoro", "--engine", help="Engine name (see `broadcaster voices`)."),
    rate: str = typer.Option("+0%", "--rate", help="Speaking rate, e.g. -10%."),
    offline: bool = typer.Option(False, "--offline", help="Never touch the network."),
    urgent: bool = typer.Option(False, "--urgent", help="An urgent notice: the alert tone, then the text twice, always offline (the profile's urgent: setting)."),
    profile: Optional[str] = typer.Option(None, "--profile", help="Sound profile: a name or a YAML file (default: loudspeaker)."),
) -> None:
    """Speak one announcement into a levelled MP3 (with --urgent: tone, text, text)."""
    import datetime as dt

    from broadcaster.durable import write_atomic
    from broadcaster.render import render_programme
    from broadcaster.model import Programme, TextItem, Voice
    from broadcaster.package.audio_files import ProgrammeAudioPackager
    from broadcaster.profiles import LOUDSPEAKER, load_profile

    if not words.strip():
        raise InputError("TEXT is empty")
    if output.suffix.lower() != ".mp3":
        raise InputError("the output must be an .mp3 file", where=str(output))
    v = Voice(engine=engine, name=voice, rate=rate)
    chosen = load_profile(profile) if profile else LOUDSPEAKER
    if urgent:
        from broadcaster.urgent import offline_voice, render_urgent

        v, note = offline_voice(v)
        if note:
            print(f"note: {note}", file=sys.stderr)
        result = render_urgent(words, output, v, chosen)
        print(f"{output}  {result.duration_s:.1f} s  {result.loudness.integrated_lufs:.1f} LUFS  (urgent: "
              f"{chosen.urgent.tone}, spoken {chosen.urgent.repeat}×)")
        return
    programme = Programme(
        title=words.strip()[:30], date=dt.date.today(), source=Path("say.yaml"),
        items=(TextItem(index=1, where="TEXT", voice=v, text=words),), voice=v, profile=chosen,
    )
    with tempfile.TemporaryDirectory(prefix="broadcaster-say-") as tmp:
        result = render_programme(programme, Path(tmp) / "out", offline=offline, preload=True,
                                  outputs=[ProgrammeAudioPackager()])
        write_atomic(output, (result.out_dir / "programme.mp3").read_bytes())
    print(f"{output}  {result.duration_s:.1f} s  {result.loudness.integrated_lufs:.1f} LUFS")


@app.command()
def voices(engine: Optional[str] = typer.Option(None, "--engine", help="Only this engine.")) -> None:
    """List the engines and their voices."""
    from broadcaster.synthesise.engines.base import engine_names, get_engine

    # The offline default first: it is the one that always works.
    names = [engine] if engine else sorted(engine_names(), key=lambda name: (name != "kokoro", name))
    for name in names:
        infos, note = get_engine(name).list_voices()
        print(f"# {name}" + (f" ({note})" if note else ""))
        for info in infos:
            print(f"{info.name}\t{info.locale}\t{info.gender}\t{info.note}".rstrip())


@app.command("run-daily")
def run_daily(
    script: Path = typer.Argument(..., help="The daily programme script (YAML)."),
    date: Optional[str] = typer.Option(None, "--date", help="The day to make (YYYY-MM-DD) [default: today]."),
    root: Optional[Path] = typer.Option(None, "--root", help="Where the dated folders and latest go [default: audio_out/daily beside the script]."),
    keep_days: int = typer.Option(14, "--keep-days", help="How many dated programmes to keep."),
    wait: float = typer.Option(60.0, "--wait", help="Seconds to wait for another run-daily to finish."),
    offline: bool = typer.Option(False, "--offline", help="Use the fallback engines only; never touch the network."),
    latest_mode: Optional[str] = typer.Option(None, "--latest-mode", help="symlink or copy (latest/ + latest.txt) [default: symlink, copy on Windows]."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress output."),
) -> None:
    """Make today's programme in audio_out/daily/<date>/ and switch latest to it."""
    from broadcaster.daily.job import run_daily as run
    from broadcaster.progress import reporter_for
    from broadcaster.summary import print_summary

    if latest_mode not in (None, "symlink", "copy"):
        raise InputError(f"--latest-mode: {latest_mode!r}; allowed: symlink, copy")
    report = run(script, day=_day(date), root=root, keep_days=keep_days, wait_s=wait, offline=offline,
                 latest_mode=latest_mode, reporter=reporter_for(quiet=quiet), on_rendered=print_summary)
    _warn(tuple(report.warnings))
    what = "inputs unchanged, nothing rendered" if report.status == "unchanged" else f"rendered ({report.synthesised} segment{'' if report.synthesised == 1 else 's'} synthesised, {report.cached} from cache)"
    print(f"{report.date}: {what}; latest → {report.latest}")


schedule_app = typer.Typer(no_args_is_help=True, help="Run the daily job at fixed times: systemd, cron or Windows Task Scheduler.")
app.add_typer(schedule_app, name="schedule")
_KIND_HELP = "systemd, cron or windows [default: systemd on Linux, windows on Windows]."


def _kind(kind: Optional[str], cron: bool) -> str:
    from broadcaster.daily.schedule import KINDS, default_kind

    if cron:
        kind = kind or "cron"
    if kind is not None and (kind not in KINDS or (cron and kind != "cron")):
        raise InputError(f"--kind: {kind!r}; allowed: {', '.join(KINDS)}")
    return kind or default_kind()


@schedule_app.command("install")
def schedule_install(
    script: Path = typer.Argument(..., help="The daily programme script (YAML)."),
    at: list[str] = typer.Option([], "--at", help="A time of day, HH:MM; repeat for more."),
    cron: bool = typer.Option(False, "--cron", help="A crontab line instead of a systemd timer."),
    kind: Optional[str] = typer.Option(None, "--kind", help=_KIND_HELP),
    show_only: bool = typer.Option(False, "--print", help="Print what would be written; install nothing."),
) -> None:
    """Run `run-daily SCRIPT` every day at the given times, with this Python."""
    from broadcaster.daily import schedule

    job = schedule.make_job(script, at)
    chosen = _kind(kind, cron)
    if show_only:
        sys.stdout.write(schedule.render_files(job, chosen))
        return
    for line in schedule.install(job, chosen):
        print(line)


@schedule_app.command("show")
def schedule_show(
    script: Path = typer.Argument(..., help="The daily programme script (YAML)."),
    cron: bool = typer.Option(False, "--cron", help="The crontab lines."),
    kind: Optional[str] = typer.Option(None, "--kind", help=_KIND_HELP),
) -> None:
    """Show the installed schedule of SCRIPT."""
    from broadcaster.daily import schedule

    sys.stdout.write(schedule.show(script, _kind(kind, cron)))


@schedule_app.command("remove")
def schedule_remove(
    script: Path = typer.Argument(..., help="The daily programme script (YAML)."),
    cron: bool = typer.Option(False, "--cron", help="The crontab lines."),
    kind: Optional[str] = typer.Option(None, "--kind", help=_KIND_HELP),
) -> None:
    """Remove the installed schedule of SCRIPT."""
    from broadcaster.daily import schedule

    print(schedule.remove(script, _kind(kind, cron)))


@app.command()
def export(
    output_dir: Path = typer.Argument(..., metavar="OUTPUT_DIR", help="A render's output folder (with manifest.json)."),
    to: Path = typer.Option(..., "--to", help="The mounted card or stick, a folder, or a FAT image file."),
    device: str = typer.Option("sdcard", "--device", help="sdcard, usb or folder."),
    layout: str = typer.Option("folders", "--layout", help="folders (01/001.MP3) or mp3dir (MP3/0001.MP3)."),
    what: str = typer.Option("programme", "--what", help="programme (one file), items (one per spoken item) or both."),
    clean: bool = typer.Option(False, "--clean", help="Also remove other audio files and numbered folders at the top of --to."),
) -> None:
    """Lay a rendered programme out on a player's SD card, USB stick or folder, in play order."""
    from broadcaster.package.export import DEVICES, LAYOUTS, WHAT, export_render
    from broadcaster.package.export_media import open_target
    from broadcaster.package.export_summary import print_export

    for option, value, allowed in (("--device", device, DEVICES), ("--layout", layout, LAYOUTS), ("--what", what, WHAT)):
        if value not in allowed:
            raise InputError(f"export: {option} must be one of {', '.join(allowed)}, not {value!r}")
    medium = open_target(to, device)
    try:
        report = export_render(output_dir, medium, device=device, layout=layout, what=what, clean=clean)
    finally:
        medium.close()
    print_export(report)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on; another than 127.0.0.1 needs --set-password first."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    data: Path = typer.Option(Path("broadcaster-data"), "--data", help="Folder for broadcasts, the queue and the station dictionary."),
    set_password: bool = typer.Option(False, "--set-password", help="Set the login password (stored hashed) and exit."),
    workers: int = typer.Option(1, "--workers", min=1, max=8, help="Renders at once (each wants every core)."),
) -> None:
    """Start the web application for village staff (pages in Chinese); print the address to open."""
    from broadcaster.web.serve import serve as run_server, set_password as store_password

    if set_password:
        store_password(data)
        return
    run_server(host, port, data, workers=workers)


cache_app = typer.Typer(no_args_is_help=True, help="The cache of synthesised speech: what it holds, and emptying it.")
app.add_typer(cache_app, name="cache")


@cache_app.command("info")
def cache_info() -> None:
    """Where the cache is, how much it holds, and its size limit."""
    from broadcaster.synthesise.cache import SegmentCache

    info = SegmentCache().info()
    print(f"location\t{info.root}")
    print(f"segments\t{info.segments} ({info.segment_bytes / 2**20:.1f} MB)")
    print(f"names\t{info.names}")
    print(f"limit\t{info.max_bytes / 2**20:.0f} MB (BROADCASTER_CACHE_MAX_MB)")


@cache_app.command("clear")
def cache_clear() -> None:
    """Remove every cached segment and remembered file name (always safe: made again when needed)."""
    from broadcaster.synthesise.cache import SegmentCache

    cache = SegmentCache()
    entries, size = cache.clear()
    print(f"removed {entries} segment{'' if entries == 1 else 's'} ({size / 2**20:.1f} MB) from {cache.base}")


from broadcaster.county.commands import register as _register_county  # noqa: E402  (county render|status, worker)
_register_county(app)


def _version(value: bool) -> None:
    if value:
        from broadcaster import __version__

        print(f"broadcaster {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """Turn Mandarin texts and articles into finished broadcasts for village loudspeakers."""


def _usage_line(exc: Exception) -> str:
    """Click's usage error as one line, with the closest valid spelling.

    >>> _usage_line(NoSuchOption("--ofline", possibilities=["--offline"]))  # doctest: +SKIP
    "render: no such option '--ofline'; did you mean '--offline'?"
    """
    from difflib import get_close_matches

    from typer._click.exceptions import NoSuchOption

    ctx = getattr(exc, "ctx", None)
    where = ctx.command_path.split(" ", 1)[1] + ": " if ctx is not None and " " in ctx.command_path else ""
    if isinstance(exc, NoSuchOption):
        close = get_close_matches(exc.option_name, list(exc.possibilities or ()), n=1, cutoff=0.5)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return f"{where}no such option '{exc.option_name}'{hint}"
    message = " ".join(line.strip() for line in exc.format_message().splitlines() if line.strip())
    message = message.replace(". Did you mean", "; did you mean")  # click's command suggestion
    return where + message[:1].lower() + message[1:]


def main(argv: list[str] | None = None) -> None:
    from typer._click.exceptions import NoArgsIsHelpError, UsageError

    global _DEBUG
    args = list(sys.argv[1:] if argv is None else argv)
    _DEBUG = "--debug" in args
    args = [a for a in args if a != "--debug"]
    try:
        # Not standalone: click's usage errors come here, to be printed as
        # one line like every other bad input, instead of click's box.
        code = typer.main.get_command(app).main(args, prog_name="broadcaster", standalone_mode=False)
    except NoArgsIsHelpError as exc:
        print(exc.format_message(), file=sys.stderr)
        raise SystemExit(2) from None
    except UsageError as exc:
        if _DEBUG:
            raise
        _fail(_usage_line(exc), 2)
    except BroadcasterError as exc:
        if _DEBUG:
            raise
        _fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        if _DEBUG:
            raise
        _fail("interrupted; earlier output is untouched", 130)
    except Exception as exc:  # a bug or an unforeseen failure: one line, exit 1
        if _DEBUG:
            raise
        _fail(f"{type(exc).__name__}: {exc} (run with --debug for the traceback)", 1)
    if isinstance(code, int) and code:
        raise SystemExit(code)
