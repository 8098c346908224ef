"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py` (see docs/deployment.md).

Every value can be overridden from the environment (GUNICORN_BIND, WEB_CONCURRENCY, …).
"""

import multiprocessing
import os

wsgi_app = "assist:create_app()"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: each request is short (no request does work proportional to a table; batch
# prints and checks run on the job workers). Two per core plus one, the usual rule.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30
# Recycle a worker now and then so a slow leak cannot grow without bound; the jitter keeps
# the workers from restarting all at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 2000))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", 200))
# nginx in front buffers slow clients; it sets X-Forwarded-For/Proto.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# The app writes one JSON line per request itself (request id, user id, duration, no query
# string); gunicorn's own access log would repeat it with the query string, so it is off.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
access_log_format = (
    '{"ts":"%(t)s","remote":"%(h)s","method":"%(m)s","path":"%(U)s","status":%(s)s,'
    '"bytes":"%(B)s","duration_ms":%(M)s,"request_id":"%({x-request-id}i)s"}'
)
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Load the app once in the master and fork the workers from it: a worker recycled by
# max_requests starts in milliseconds instead of importing the app again (2.9-4 s), so the
# request that waits behind the recycle is not stalled; the workers share the loaded code.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"


def post_fork(server, worker):
    """A forked worker must not share the master's database connections: drop them unused."""
    app = server.app.wsgi()
    from assist.extensions import db

    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)
