"""Stored files (videos, posters, proofs) as answers whose body closes its file however the
transfer ends.

The server should close an answer's body when it is done with it (PEP 3333). Werkzeug's
development server (`flask run`, `make run`) does not when the browser drops the connection
just after the body was written, as a player does with a range request it no longer needs:
its cleanup reads the dead socket, raises and skips the close, and the file stays open until
the garbage collector closes it with a ResourceWarning. Gunicorn closes bodies; this body does
not depend on it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol, cast

from flask import Response, send_file


def send_stored_file(path: Path, **options: Any) -> Response:
    """`flask.send_file` of a file on disk (range requests included with `conditional`), whose
    file is closed when the body is sent, when the server closes the answer (also one sent
    without a body: HEAD, 304) or when the body is dropped half sent."""
    response = send_file(path, **options)
    # A file's body is the WSGI server's file wrapper: an iterable with close(), which
    # Response.response, any iterable, does not say.
    body = cast(_FileBody, response.response)
    response.response = _closing(body)
    response.call_on_close(body.close)  # a generator never started runs no `finally`
    return response


class _FileBody(Protocol):
    def __iter__(self) -> Iterator[bytes]: ...
    def close(self) -> None: ...


def _closing(body: _FileBody) -> Iterator[bytes]:
    """The chunks of `body`; a generator, so that when it is dropped unfinished Python closes
    it and the `finally` closes the file before the file's own finaliser would warn."""
    try:
        yield from body
    finally:
        body.close()
