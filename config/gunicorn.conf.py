"""Gunicorn settings for production: `make serve`, or
`gunicorn -c config/gunicorn.conf.py "learning:create_app()"`.

Sync workers, one per core plus one: the work of a request is CPU-bound and short, and sync
workers gave the best rate and tail on the heartbeat path (bench/RESULTS.md). They read a
request whole, so put a buffering reverse proxy (nginx) in front of them. Environment:
BIND (default 127.0.0.1:8000), WEB_CONCURRENCY (workers).
"""

import multiprocessing
import os

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

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json_line": {"format": "%(message)s"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "requests": {"class": "logging.StreamHandler", "formatter": "json_line"},
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "loggers": {
        "learning.requests": {"handlers": ["requests"], "level": "INFO", "propagate": False},
        "learning": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
