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


@app.command()
def render(
    script: Path = typer.Argument(..., help="The programme script (YAML)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Output folder [default: audio_out/<date>-<script name>]."),
    offline: bool = typer.Option(False, "--offline", help="Use the fallback engines only; never touch the network."),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 instead of falling back to another engine."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress output."),
    profile: Optional[str] = typer.Option(None, "--profile", help="Sound profile: a name (loudspeaker) or a YAML file [default: the script's]."),
) -> None:
    """Render a script into programme.mp3, item files, playlist, captions and manifest."""
    from broadcaster.profiles import load_profile
    from broadcaster.progress import reporter_for
    from broadcaster.render import render_programme
    from broadcaster.script import load_script
    from broadcaster.summary import print_summary

    programme = load_script(script)
    chosen = load_profile(profile) if profile else None
    result = render_programme(programme, out, offline=offline, strict=strict, reporter=reporter_for(quiet=quiet), profile=chosen)
    print_summary(result)


@app.command()
def text(
    source: str = typer.Argument(..., metavar="INPUT", help="A script (.yaml), an article (.txt/.md/.html), or - for stdin."),
    explain: bool = typer.Option(False, "--explain", help="Show original, cleaned and normalised form of each segment."),
    simplified: bool = typer.Option(False, "--simplified", help="Convert Traditional characters to Simplified."),
) -> None:
    """Print exactly the segments that would be spoken, one per line."""
    from broadcaster.textcmd import explain_lines, spoken_lines

    lines = explain_lines(source, simplified) if explain else spoken_lines(source, simplified)
    sys.stdout.write("".join(line + "\n" for line in lines))


@app.command()
def check(script: Path = typer.Argument(..., help="The programme script (YAML).")) -> None:
    """Validate a script and print the plan, without synthesising."""
    from broadcaster.render import plan_programme
    from broadcaster.script import load_script
    from broadcaster.summary import print_plan

    programme = load_script(script)
    print_plan(programme, plan_programme(programme))


@app.command()
def say(
    words: str = typer.Argument(..., metavar="TEXT", help="What to announce."),
    output: Path = typer.Option(..., "--output", "-o", help="The MP3 file to write."),
    voice: Optional[str] = typer.Option(None, "--voice", help="Voice name [default: the engine's]."),
    engine: str = typer.Option("kokoro", "--engine", help="Engine name (see `broadcaster voices`)."),
    rate: str = typer.Option("+0%", "--rate", help="Speaking rate, e.g. -10%."),
    offline: bool = typer.Option(False, "--offline", help="Never touch the network."),
) -> None:
    """Speak one announcement into a levelled MP3."""
    import datetime as dt

    from broadcaster.durable import write_atomic
    from broadcaster.render import render_programme
    from broadcaster.model import Programme, TextItem, Voice

    if not words.strip():
        raise InputError("TEXT is empty")
    if output.suffix.lower() != ".mp3":
        raise InputError("the output must be an .mp3 file", where=str(output))
    v = Voice(engine=engine, name=voice, rate=rate)
    programme = Programme(
        title=words.strip()[:30], date=dt.date.today(), source=Path("say.yaml"),
        items=(TextItem(index=1, where="TEXT", voice=v, text=words),), voice=v,
    )
    with tempfile.TemporaryDirectory(prefix="broadcaster-say-") as tmp:
        result = render_programme(programme, Path(tmp) / "out", offline=offline)
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
