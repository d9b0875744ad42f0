"""A browser that drops a video's range request leaks no open file, on werkzeug's development
server as `flask run` starts it and on the tests' live server.

A player asks for `bytes=0-`, reads what it needs and drops the connection, often just after
the server wrote the last bytes it could; the development server then reads the dead socket,
raises and skips closing the answer's body (learning/web/files.py).
"""

from __future__ import annotations

import gc
import os
import socket
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from learning.demo.seed import DEMO_MEDIA
from learning.services import videos
from tests.factories import Factory
from tests.live import serve

DROPS = 60  # about one in eight skipped closing the file before learning/web/files.py


@contextmanager
def _flask_run(app: Flask) -> Iterator[str]:
    """The server `flask run` starts (threaded, werkzeug's own request handler)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def _open_files() -> list[str]:
    """What this process's file descriptors point at (one closed meanwhile is left out)."""
    folder = Path("/proc/self/fd")
    targets = []
    for fd in os.listdir(folder):
        try:
            targets.append(os.readlink(folder / fd))
        except FileNotFoundError:
            continue
    return targets


def _drop(port: int, path: str, cookie: str) -> None:
    """Ask for the whole video from byte 0, read the headers and a few bytes, hang up."""
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nRange: bytes=0-\r\n"
        f"Cookie: session={cookie}\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request.encode())
        received = b""
        while b"\r\n\r\n" not in received or len(received) < 1024:
            chunk = connection.recv(4096)
            assert chunk, received
            received += chunk
    assert received.startswith(b"HTTP/1.1 206 "), received[:200]


def _wait_until_idle(threads: int) -> None:
    """Until the server's request threads have ended (werkzeug keeps no list of them)."""
    deadline = time.monotonic() + 30
    while threading.active_count() > threads:
        assert time.monotonic() < deadline, "the server still handles a dropped request"
        time.sleep(0.05)


@pytest.mark.parametrize("server", [_flask_run, serve], ids=["flask run", "live server"])
def test_a_dropped_range_request_leaks_no_open_file(
    app: Flask,
    login,
    make: Factory,
    server: Callable[[Flask], AbstractContextManager[str]],
) -> None:
    video = videos.import_video_file(
        make.session,
        upload_folder=app.config["UPLOAD_FOLDER"],
        source=DEMO_MEDIA / "intro.webm",
        title="讲座",
        programme_codes=["accounting-4"],
        now=make.clock.now(),
    )
    stored = str((Path(app.config["UPLOAD_FOLDER"]) / video.file_path).resolve())
    cookie = login(make.admin()).get_cookie("session").value
    with server(app) as url:
        port, path = int(url.rsplit(":", 1)[1]), f"/videos/{video.id}/file"
        threads = threading.active_count()
        _drop(port, path, cookie)  # the first request opens what the server keeps (a connection)
        _wait_until_idle(threads)
        gc.collect()
        before = len(_open_files())
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for _ in range(DROPS):
                _drop(port, path, cookie)
            _wait_until_idle(threads)
            assert stored not in _open_files(), "the video is still open, waiting for the GC"
            gc.collect()
        assert [str(w.message) for w in caught if w.category is ResourceWarning] == []
        assert len(_open_files()) <= before
