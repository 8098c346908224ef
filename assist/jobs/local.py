"""The local runner: a process the app starts when no Redis is configured.

It takes a lock in the storage directory (one runner per installation), then runs queued jobs
and the periodic kinds until the process that started it goes away.
"""

import fcntl
import logging
import os
import time


def main() -> int:
    from assist import create_app
    from assist.extensions import db
    from assist.jobs import engine
    from assist.jobs.priority import lower_priority

    # The rest comes from the starting app's settings. A worker is never a test body: its
    # transactions take SQLite's write lock up front like a request's (assist.core.database).
    app = create_app(JOBS_BACKEND="runner", TESTING=False)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s local-runner %(message)s")
    lower_priority(app.config.get("JOB_NICE", 0))  # yield the CPU to the web workers
    parent = os.getppid()
    with open(engine._lock_path(app), "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return 0  # another runner serves this installation
        with app.app_context():
            while os.getppid() == parent:
                engine.submit_due_periodic()
                db.session.commit()
                if not engine.run_queued(limit=1):
                    db.session.remove()
                    time.sleep(0.5)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
