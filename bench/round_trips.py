"""A TCP proxy in front of PostgreSQL that counts round trips, whatever the driver does.

A round trip is a flight of the client's bytes sent after the server last answered on that
connection: the client waited for the server in between. PostgreSQL sends what a statement
returns only at a Sync or a Flush (or a simple query's end), so a pipeline of statements the
client sends without waiting is one flight, and counted once. Each flight keeps the types of
the protocol messages it carried (P parse, B bind, E execute, S sync, H flush, Q simple query,
X terminate), so a count can be read against what was sent.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import partial

from sqlalchemy import make_url


@dataclass
class _Link:
    """One client's connection: whether the server spoke last, and the client's bytes not yet
    split into messages."""

    server_spoke: bool = True
    started: bool = False  # past the startup packet, which has no type byte
    pending: bytes = b""


@dataclass
class Flights:
    """The flights counted so far, each as the message types it carried."""

    flights: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def mark(self) -> int:
        with self.lock:
            return len(self.flights)

    def since(self, mark: int) -> list[str]:
        with self.lock:
            return self.flights[mark:]

    def client_sent(self, link: _Link, data: bytes) -> None:
        with self.lock:
            if link.server_spoke:
                self.flights.append("")
                link.server_spoke = False
            self.flights[-1] += _message_types(link, data)

    def server_sent(self, link: _Link, _data: bytes) -> None:
        with self.lock:
            link.server_spoke = True


def _first_word(message: bytes) -> str:
    """The first word of a parse's or a simple query's SQL, in brackets (empty otherwise)."""
    if message[:1] == b"Q":
        sql = message[5:]
    elif message[:1] == b"P":
        sql = message[5:].split(b"\0", 1)[1]  # after the statement's name
    else:
        return ""
    words = sql.rstrip(b"\0").split()
    return f"[{words[0].decode(errors='replace')}]" if words else "[]"


def _message_types(link: _Link, data: bytes) -> str:
    """The types of the whole messages in the client's bytes so far (the rest kept)."""
    buffer = link.pending + data
    types = ""
    if not link.started:  # the startup packet or an encryption request: a length, no type
        if len(buffer) < 8:
            link.pending = buffer
            return ""
        (length,) = struct.unpack("!I", buffer[:4])
        if len(buffer) < length:
            link.pending = buffer
            return ""
        (code,) = struct.unpack("!I", buffer[4:8])
        encryption_request = code in (80877103, 80877104)  # SSL, GSSAPI: startup follows
        buffer, types, link.started = buffer[length:], "0", not encryption_request
        if encryption_request:
            link.pending = buffer
            return types
    while len(buffer) >= 5:
        (length,) = struct.unpack("!I", buffer[1:5])
        if len(buffer) < 1 + length:
            break
        types += chr(buffer[0]) + _first_word(buffer[: 1 + length])
        buffer = buffer[1 + length :]
    link.pending = buffer
    return types


def _pump(source: socket.socket, sink: socket.socket, seen: Callable[[bytes], None]) -> None:
    try:
        while data := source.recv(65536):
            seen(data)
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, sink):
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)


def _serve(listener: socket.socket, target: tuple[str, int], flights: Flights) -> None:
    while True:
        try:
            client, _address = listener.accept()
        except OSError:
            return  # closed
        server = socket.create_connection(target)
        for end in (client, server):
            end.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        link = _Link()
        for source, sink, seen in (
            (client, server, partial(flights.client_sent, link)),
            (server, client, partial(flights.server_sent, link)),
        ):
            threading.Thread(target=_pump, args=(source, sink, seen), daemon=True).start()


@contextmanager
def counting_proxy(url: str) -> Iterator[tuple[str, Flights]]:
    """The URL of a proxy to the PostgreSQL server of `url` (plain TCP: give it
    `sslmode=disable` or a server without SSL), and the flights it counts."""
    parsed = make_url(url)
    target = (parsed.host or "127.0.0.1", parsed.port or 5432)
    listener = socket.create_server(("127.0.0.1", 0))
    flights = Flights()
    threading.Thread(target=_serve, args=(listener, target, flights), daemon=True).start()
    proxied = parsed.set(host="127.0.0.1", port=listener.getsockname()[1])
    try:
        yield proxied.render_as_string(hide_password=False), flights
    finally:
        listener.close()
