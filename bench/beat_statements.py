"""Count the SQL statements one credited beat costs (deterministic, unlike timings).

Run from the repository root: ``.venv/bin/python -m bench.beat_statements``.
It builds a throw-away SQLite database, opens a playback, sends ``play`` and then one
``tick`` 15 s later, and counts what reaches SQLite for that tick (the driver's trace
callback, which sees the beat path's own cursor too).
"""

import tempfile
from pathlib import Path

from sqlalchemy import event

from learning import migrate
from learning.db import get_database
from tests.api.player import Player
from tests.conftest import Client, make_test_app
from tests.factories import PASSWORD, Factory


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = make_test_app(f"sqlite:///{Path(folder) / 'bench.sqlite'}")
        database = get_database(app)
        migrate.upgrade(database)
        clock = app.extensions["clock"]
        with database.transaction() as session:
            make = Factory(session, clock)
            trainee = make.trainee("counter")
            ids = (make.enrolment(trainee, "accounting-4").id, make.video("accounting-4").id)
        app.test_client_class = Client
        client = app.test_client()
        client.log_in("counter", PASSWORD)
        player = Player(client, clock, *ids)
        player.open()
        player.send("play")
        statements: list[str] = []
        database.engine.dispose()  # new connections, each with the trace callback
        event.listen(
            database.engine,
            "connect",
            lambda dbapi_connection, _record: dbapi_connection.set_trace_callback(
                lambda sql: statements.append(sql.split()[0])
            ),
        )
        clock.advance(15)
        player.position += 15
        player.send("tick")
        print(f"credited {player.last['credited_s']} s in {len(statements)} statements:")
        print(" ".join(statements))


if __name__ == "__main__":
    main()
