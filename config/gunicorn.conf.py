"""Gunicorn settings, the alternative to `make serve`'s granian (config/serve.py):
`gunicorn -c config/gunicorn.conf.py "learning:create_app()"`.

Sync workers, one per core plus one. They close the connection after every request (about
430 us of server CPU a request here, more than the no-op's own work) and each reads its
request alone, so three clients sending slowly stop all of them: put a buffering reverse proxy
(nginx) in front. bench/RESULTS.md ("Servers under keep-alive clients", 2026-12-07) compares
them with gthread workers and granian. Environment: BIND (default 127.0.0.1:8000),
WEB_CONCURRENCY (workers).
"""

import json
import multiprocessing
import os
from pathlib import Path

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
worker_class = "sync"
timeout = 30
graceful_timeout = 30
max_requests = 20_000  # recycle workers now and then; jitter so they do not all restart at once
max_requests_jitter = 2_000
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = None  # the application logs each request itself, as JSON (learning/request_log.py)
errorlog = "-"
loglevel = "info"

# the same logging as config/serve.py's
logconfig_dict = json.loads((Path(__file__).resolve().parent / "logging.json").read_text())
