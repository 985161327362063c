"""Gunicorn settings for Aduan behind nginx: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``.

Command-line flags win over this file (``--bind``, ``--workers``), and
``WEB_CONCURRENCY`` sets the worker count without editing it.

Worker class: gthread, not sync. A request may wait on something slow that
is not the client: the Telegram and Twilio webhooks call the provider's
API before answering, a staff member's report or CSV export streams for a
while. A sync worker is blocked for the whole wait and is killed by the
master if it outlasts ``timeout``; a gthread worker keeps serving on its
other threads and its heartbeat does not depend on one request. Slow
clients are not the reason: nginx buffers request and response bodies.

Each worker builds its own app (no ``preload_app``): database pools and the
scheduler thread must not be shared across a fork.
"""

from __future__ import annotations

import multiprocessing
import os

# nginx on this host. With one nginx in front of several web hosts, bind the
# host's private address instead (``--bind 10.0.0.11:8000`` in the unit).
bind = "127.0.0.1:8000"

# One worker per core (at least two, so a restart never leaves the host
# without one), four threads each. Database connections: each worker holds
# at most threads + 1 (the scheduler thread, when ADUAN_SCHEDULER=1), so
# hosts x workers x 5 must stay under PostgreSQL's max_connections.
workers = int(os.environ.get("WEB_CONCURRENCY", max(2, multiprocessing.cpu_count())))
worker_class = "gthread"
threads = 4

# A worker silent this long is killed and replaced; requests finish in
# milliseconds, exports stream in a thread that does not hold the heartbeat.
timeout = 30
# On reload or stop, requests in flight get this long to finish.
graceful_timeout = 30
# nginx keeps upstream connections open (``keepalive`` in the site file).
keepalive = 5
# Recycle workers now and then so a slow leak never grows without bound.
max_requests = 5000
max_requests_jitter = 500
# The heartbeat file on a RAM disk: a busy disk must not look like a hung worker.
# (Only gunicorn's own heartbeat files go there, created with mkstemp.)
SHARED_MEMORY = "/dev/shm"  # noqa: S108
worker_tmp_dir = SHARED_MEMORY if os.path.isdir(SHARED_MEMORY) else None

# Only nginx may set X-Forwarded-Proto (https): on this host by default; with
# nginx on another host, its address in FORWARDED_ALLOW_IPS (gunicorn's own
# variable). The client's address comes through the app's ProxyFix, which
# ADUAN_PROXY_HOPS=1 turns on.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Access log on stdout (the journal): the path without the query string,
# which may carry search terms, names or phone numbers typed into filters.
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
loglevel = "info"

# gunicorn's control socket defaults to one path per user: a second
# instance on the host, or a read-only home under systemd, would clash.
control_socket_disable = True
