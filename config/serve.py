"""The production server: granian running the app's WSGI interface. `make serve`, or
`python config/serve.py` from the repository root.

Why granian (bench/RESULTS.md, "Servers under keep-alive clients", 2026-12-07): it keeps
browsers' connections open between beats and parses HTTP in Rust, so a light request costs the
server about half the CPU it costs under gunicorn's sync workers, which close every connection
(gthread workers keep them open but poll and parse in Python, and saved much less). Each worker
process runs the app on `THREADS` threads: a request that waits (a slow client's body,
PostgreSQL) holds one thread, not the whole process; a body that trickles in still holds its
thread, so put a buffering reverse proxy (nginx) in front all the same. `config/gunicorn.conf.py`
(sync workers) stays for those who prefer gunicorn behind such a proxy.

Environment: BIND (default 127.0.0.1:8000), WEB_CONCURRENCY (worker processes, default one per
core plus one), THREADS (per worker, default 4).
"""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

from granian import Granian
from granian.constants import HTTPModes, Interfaces

HERE = Path(__file__).resolve().parent


def main() -> None:
    host, _, port = os.environ.get("BIND", "127.0.0.1:8000").rpartition(":")
    Granian(
        "learning:create_app",
        factory=True,
        interface=Interfaces.WSGI,
        address=host,
        port=int(port),
        workers=int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1)),
        blocking_threads=int(os.environ.get("THREADS", 4)),
        http=HTTPModes.http1,
        websockets=False,
        # the application logs each request itself, as JSON (learning/request_log.py)
        log_dictconfig=json.loads((HERE / "logging.json").read_text()),
        respawn_failed_workers=True,  # a worker that dies is replaced, as gunicorn does
        workers_kill_timeout=30,  # seconds a stopping worker has to finish its requests
        working_dir=HERE.parent,
    ).serve()


if __name__ == "__main__":
    main()
