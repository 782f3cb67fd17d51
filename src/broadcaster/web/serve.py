"""Run the web application: waitress on 127.0.0.1 by default, the job runner beside it."""
from __future__ import annotations

import getpass
import signal
import sys
from pathlib import Path

from broadcaster.errors import BroadcasterError, InputError
from broadcaster.web.paths import DataDir
from broadcaster.web.security import is_loopback, save_password

MIN_PASSWORD_CHARS = 8


def set_password(data_dir: Path, password: str | None = None) -> None:
    """Ask twice (or take `password`, for scripts) and store its hash in the data folder."""
    data = DataDir(data_dir).create()
    if password is None:
        if not sys.stdin.isatty():
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("新密码：")
            if getpass.getpass("再输一次：") != password:
                raise InputError("两次输入的密码不一样", where="--set-password")
    if len(password) < MIN_PASSWORD_CHARS:
        raise InputError(f"密码至少 {MIN_PASSWORD_CHARS} 位", where="--set-password")
    save_password(data.password_file, password)
    print(f"密码已保存（加密存放在 {data.password_file}）")


def serve(host: str, port: int, data_dir: Path, threads: int = 8, workers: int = 1) -> None:
    from waitress.server import create_server

    from broadcaster.web.app import create_app

    data = DataDir(data_dir).create()
    if not is_loopback(host) and not data.password_file.exists():
        raise InputError("在 127.0.0.1 以外的地址上开放网页，要先设密码：请先运行 broadcaster serve --set-password。"
                         " Listening on another address than 127.0.0.1 needs a password: run "
                         "`broadcaster serve --set-password` first", where="--host")
    lock = _lock_data_folder(data)
    app = create_app(data.root, start_runner=False, workers=workers, require_login=None if is_loopback(host) else True)
    try:
        server = create_server(app, host=host, port=port, threads=threads, ident="broadcaster")
    except OSError as exc:
        raise BroadcasterError(f"cannot listen on {host}:{port} ({exc.strerror}); choose another with --port") from None
    # The queue is taken only once the address is ours: a second server that failed to start touches no job.
    runner = app.extensions["broadcaster"]["runner"]
    runner.start()
    urgent = app.extensions["broadcaster"]["urgent"]
    urgent.start(warm=True)  # the offline model loaded now, so that the first urgent notice is fast too
    shown = f"[{host}]" if ":" in host else host
    print(f"广播制作网页已启动：请用浏览器打开 http://{shown}:{port}/", flush=True)
    print(f"数据文件夹：{data.root}    按 Ctrl+C 停止", flush=True)
    # A service manager stops us with SIGTERM: leave through `finally`, so that a
    # render in progress is killed and queued again instead of left running unowned.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        urgent.stop()
        runner.stop()
        lock.close()


def _lock_data_folder(data: DataDir):
    """One server per data folder: two would each take the other's running job for a dead one."""
    import fcntl

    lock = open(data.root / "server.lock", "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        lock.close()
        raise InputError("another `broadcaster serve` is using this data folder", where=str(data.root)) from None
    return lock
