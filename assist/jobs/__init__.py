"""The one job engine: background work on RQ workers, or a local process without Redis.

A domain registers a job kind (`registry.register_kind`) with the function that runs it and,
for periodic work, how often. `engine.submit(kind, params)` records a `BackgroundJob` row; when
the caller's transaction commits, the job is handed to the configured backend:

- ``rq``: an RQ queue on ``REDIS_URL``, run by ``flask --app assist worker`` (any number of
  processes on any number of hosts); ``flask --app assist scheduler`` enqueues periodic work;
- ``local`` (the default without Redis): a separate process started by the app
  (``python -m assist.jobs.local``), one per storage directory, which also runs periodic work;
- ``inline`` (the test configuration): run at once in a fresh app context.

The database is the record of every job's progress; a worker that dies mid-job leaves a stale
heartbeat, and the next `resume` pass hands the job out again.
"""
