"""Logs as JSON lines: one line per request with its id, the user's id and the duration.

Only the path is logged, never the query string (a search may hold a name or an ID number),
and no form data. The request id comes from nginx's X-Request-ID (or is made here) and is
sent back in the response, so a user's report can be matched to the log line.
"""

import json
import logging
import time
import uuid

from flask import Flask, g, request
from flask_login import current_user

log = logging.getLogger("assist.request")


class JsonLines(logging.Formatter):
    """Format a record as one JSON object: time, level, logger, message and its extras."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        data.update(getattr(record, "fields", {}))
        request_id = getattr(g, "request_id", None) if _has_g() else None
        if request_id and "request_id" not in data:
            data["request_id"] = request_id
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


JsonLines.converter = time.gmtime


def _has_g() -> bool:
    from flask import has_app_context

    return has_app_context()


def init_request_log(app: Flask) -> None:
    if app.config.get("LOG_JSON"):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonLines())
        root = logging.getLogger()
        root.handlers[:] = [handler]
        root.setLevel(app.config.get("LOG_LEVEL", "INFO"))

    @app.before_request
    def _start():
        g.request_started = time.perf_counter()
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming[:64] if incoming.isalnum() else uuid.uuid4().hex

    @app.after_request
    def _finish(response):
        started = g.get("request_started")
        if started is None:
            return response
        response.headers["X-Request-ID"] = g.request_id
        log.info(
            "request",
            extra={
                "fields": {
                    "request_id": g.request_id,
                    "user_id": current_user.id if current_user.is_authenticated else None,
                    "method": request.method,
                    "path": request.path,
                    "endpoint": request.endpoint,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                }
            },
        )
        return response
