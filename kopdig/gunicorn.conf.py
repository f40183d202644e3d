"""Gunicorn settings for Kopdig: ``gunicorn -c kopdig/gunicorn.conf.py kopdig.wsgi``.

The same server for ``make demo`` and for production; only the environment differs.
"""

import multiprocessing
import os

bind = os.environ.get("KOPDIG_BIND", "127.0.0.1:8000")
# Several processes, each with a few threads: a slow page (a PDF, an export) does not hold
# up the counter. SQLite takes one writer at a time and waits for the lock (busy timeout).
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8)))
worker_class = "gthread"
threads = int(os.environ.get("KOPDIG_THREADS", "4"))
timeout = int(os.environ.get("KOPDIG_TIMEOUT", "120"))
graceful_timeout = 30
# Recycle a process now and then, so a slow leak never grows for weeks.
max_requests = 2000
max_requests_jitter = 200
accesslog = os.environ.get("KOPDIG_ACCESS_LOG", "-")
errorlog = "-"
# Behind a proxy on the same machine (nginx, Caddy) that sets X-Forwarded-Proto.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
