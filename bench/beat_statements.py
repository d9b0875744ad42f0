"""Count what one credited beat costs the database: statements on SQLite, round trips on
PostgreSQL (deterministic, unlike timings).

Run from the repository root::

    .venv/bin/python -m bench.beat_statements
    .venv/bin/python -m bench.beat_statements --database postgresql+psycopg://postgres@127.0.0.1/b

It builds a database (a throw-away SQLite file, or the empty PostgreSQL database named),
opens a playback, sends ``play`` and then ``tick``s 15 s apart, and counts what reaches the
database for each tick: on SQLite the statements (the driver's trace callback, which sees the
beat path's own cursor too) and the pages its commit appends to the write-ahead log (each
page it dirtied, the b-tree pages of every index it touched included); on PostgreSQL the round
trips, through a proxy that counts the client's flights of messages (`bench/round_trips.py`),
each printed with the protocol messages it carried.
"""

from __future__ import annotations

import argparse
import re
import tempfile
from pathlib import Path

from flask import Flask
from sqlalchemy import event, func, select

from bench.round_trips import counting_proxy
from learning import migrate
from learning.db import get_database
from learning.models import User
from tests.api.player import Player
from tests.conftest import Client, make_test_app
from tests.factories import PASSWORD, Factory

TICKS = 10


def playing(url: str) -> tuple[Flask, Player]:
    """The app on `url` (migrated, which must hold no user yet) and a player that has sent
    `play`."""
    app = make_test_app(url)
    database = get_database(app)
    migrate.upgrade(database)
    clock = app.extensions["clock"]
    with database.transaction() as session:
        if session.scalar(select(func.count(User.id))):
            raise SystemExit(f"{url} is not empty: give the benchmark a database of its own")
        make = Factory(session, clock)
        trainee = make.trainee("counter")
        ids = (make.enrolment(trainee, "accounting-4").id, make.video("accounting-4").id)
    app.test_client_class = Client
    client = app.test_client()
    client.log_in("counter", PASSWORD)
    player = Player(client, clock, *ids)
    player.open()
    player.send("play")
    return app, player


def tick(app: Flask, player: Player) -> None:
    app.extensions["clock"].advance(15)
    player.position += 15
    player.send("tick")
    assert player.last["credited_s"] == 15, player.last


def count_sqlite() -> None:
    with tempfile.TemporaryDirectory() as folder:
        app, player = playing(f"sqlite:///{Path(folder) / 'bench.sqlite'}")
        statements: list[str] = []
        database = get_database(app)
        database.engine.dispose()  # new connections, each with the trace callback
        event.listen(
            database.engine,
            "connect",
            lambda dbapi_connection, _record: dbapi_connection.set_trace_callback(
                lambda sql: statements.append(sql.split()[0])
            ),
        )
        log = Path(folder) / "bench.sqlite-wal"
        for name in ("the day's first credited tick", "the next tick"):
            with database.engine.connect() as connection:  # the log emptied for the tick
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                page_size = connection.exec_driver_sql("PRAGMA page_size").scalar()
            statements.clear()
            tick(app, player)
            frames = (log.stat().st_size - 32) // (page_size + 24)  # a header, then frames
            print(f"{name}: credited 15 s in {len(statements)} statements:")
            print(" ".join(statements))
            print(f"pages written to the WAL: {frames}")


def count_postgresql(url: str) -> None:
    with counting_proxy(url) as (proxied, flights):
        app, player = playing(proxied)
        counts = []
        for number in range(TICKS):
            mark = flights.mark()
            tick(app, player)
            sent = flights.since(mark)
            counts.append(len(sent))
            if number == TICKS - 1:
                print(f"the last tick, credited 15 s: {len(sent)} round trips")
                for place, messages in enumerate(sent, 1):
                    print(f"  {place}: {describe(messages)}")
        print(f"round trips of {TICKS} credited ticks: {counts}")
        get_database(app).dispose()


def describe(messages: str) -> str:
    names: dict[str, str] = {"P": "parse", "B": "bind", "D": "describe", "E": "execute"}
    names |= {"S": "sync", "H": "flush", "Q": "query", "X": "terminate", "C": "close"}
    return " ".join(
        names.get(kind[0], kind[0]) + kind[1:]
        for kind in re.findall(r"[A-Za-z0-9](?:\[[^]]*])?", messages)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", help="an empty PostgreSQL database (default: SQLite)")
    arguments = parser.parse_args()
    if arguments.database:
        count_postgresql(arguments.database)
    else:
        count_sqlite()


if __name__ == "__main__":
    main()
