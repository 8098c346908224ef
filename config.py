"""Configurations for Assist, read from the environment.

Select one with ASSIST_CONFIG=development|testing|production (default: development).
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("ASSIST_INSTANCE_DIR", BASE_DIR / "instance"))


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _instance_secret(filename: str, nbytes: int = 32) -> str:
    """Return a per-installation random secret kept in instance/, creating it on first use."""
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / filename
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(nbytes))
    return path.read_text().strip()


class Config:
    """Settings shared by every environment."""

    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'assist.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    # Sessions: idle timeout is enforced server-side through the signed cookie's age.
    SESSION_IDLE_MINUTES = _env_int("SESSION_IDLE_MINUTES", 30)
    #: Absolute lifetime: a session ends this long after sign-in however busy it is.
    SESSION_MAX_HOURS = _env_int("SESSION_MAX_HOURS", 12)
    FRESH_LOGIN_MINUTES = _env_int("FRESH_LOGIN_MINUTES", 10)
    SESSION_COOKIE_NAME = "assist_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    SESSION_REFRESH_EACH_REQUEST = True
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)

    WTF_CSRF_TIME_LIMIT = None  # the session's own lifetime bounds the token

    API_TOKEN_HOURS = _env_int("API_TOKEN_HOURS", 8)

    # Sign-in throttling (Flask-Limiter). Production must share the store across workers.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = False
    # Failures of one account from one address, then of one address over all accounts.
    LOGIN_LIMIT_PER_PAIR = os.environ.get("LOGIN_LIMIT_PER_PAIR", "5 per 15 minutes")
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "20 per 15 minutes")
    # Per account from any address: after this many failures each further one doubles a
    # wait capped at LOGIN_BACKOFF_MAX_SECONDS (a delay, never a long lockout).
    LOGIN_BACKOFF_AFTER = _env_int("LOGIN_BACKOFF_AFTER", 10)
    LOGIN_BACKOFF_MAX_SECONDS = _env_int("LOGIN_BACKOFF_MAX_SECONDS", 300)
    #: Resident-ID duplicate refusals (which name the holding centre) allowed per user an hour.
    DUPLICATE_PROBES_PER_HOUR = _env_int("DUPLICATE_PROBES_PER_HOUR", 10)

    # Reverse proxies in front of the app that set X-Forwarded-For/-Proto (0: none, the
    # peer address is the client's). Count only proxies you run: each trusted hop's header
    # is believed.
    TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0)

    # argon2id; None means argon2-cffi's defaults (RFC 9106 low-memory profile).
    ARGON2_TIME_COST: int | None = None
    ARGON2_MEMORY_COST: int | None = None
    ARGON2_PARALLELISM: int | None = None

    BABEL_DEFAULT_LOCALE = "zh_Hans"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {"zh_Hans": "简体中文", "en": "English"}

    UPLOAD_MAX_BYTES = _env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
    STATS_MAX_AGE_MINUTES = _env_int("STATS_MAX_AGE_MINUTES", 15)
    #: Longest a web process goes without asking whether a case's public notice has ended.
    NOTICE_RECHECK_SECONDS = _env_int("NOTICE_RECHECK_SECONDS", 60)
    #: The navigation's to-do count is counted afresh at most this often (0: on every page).
    INBOX_BADGE_SECONDS = _env_int("INBOX_BADGE_SECONDS", 60)
    RETURN_DUE_DAY = _env_int("RETURN_DUE_DAY", 10)
    MAX_CONTENT_LENGTH = UPLOAD_MAX_BYTES + 1024 * 1024
    #: Mutual-aid claims: working days from complete documents to payment before "overdue".
    MUTUAL_AID_PAYMENT_WORKING_DAYS = _env_int("MUTUAL_AID_PAYMENT_WORKING_DAYS", 15)
    #: Mutual-aid rosters with more rows are checked and enrolled by a job of the engine.
    ROSTER_INLINE_ROWS = _env_int("ROSTER_INLINE_ROWS", 500)
    #: Hours a staged roster upload that was never confirmed is kept before it is deleted.
    ROSTER_UPLOAD_RETENTION_HOURS = _env_int("ROSTER_UPLOAD_RETENTION_HOURS", 24)
    IMPORT_INLINE_ROWS = _env_int("IMPORT_INLINE_ROWS", 2000)
    STORAGE_DIR = os.environ.get("ASSIST_STORAGE_DIR", str(INSTANCE_DIR / "storage"))
    #: Days a batch print's output (it holds personal data) is kept before it is deleted.
    PRINT_OUTPUT_RETENTION_DAYS = _env_int("PRINT_OUTPUT_RETENTION_DAYS", 7)
    #: Hours a scan uploaded with a refused form is kept for its uploader before it is purged.
    STAGED_UPLOAD_RETENTION_HOURS = _env_int("STAGED_UPLOAD_RETENTION_HOURS", 48)
    #: List exports: up to EXPORT_INLINE_ROWS rows are answered at once, more (up to
    #: EXPORT_MAX_ROWS) are written by a background job, read EXPORT_CHUNK_ROWS at a time;
    #: the job's file is deleted after EXPORT_RETENTION_DAYS.
    EXPORT_INLINE_ROWS = _env_int("EXPORT_INLINE_ROWS", 5000)
    EXPORT_MAX_ROWS = _env_int("EXPORT_MAX_ROWS", 200_000)
    EXPORT_CHUNK_ROWS = _env_int("EXPORT_CHUNK_ROWS", 1000)
    EXPORT_RETENTION_DAYS = _env_int("EXPORT_RETENTION_DAYS", 7)

    # Background jobs: RQ on REDIS_URL when set, else a local runner process the app starts.
    REDIS_URL = os.environ.get("REDIS_URL", "")
    JOBS_BACKEND = os.environ.get("JOBS_BACKEND", "")  # rq | local | inline ("" = automatic)
    JOBS_QUEUE = os.environ.get("JOBS_QUEUE", "assist")
    #: CPU niceness of the background work (job worker / local runner and the PDF renderer
    #: processes) so a batch print yields the CPU to the web workers; 0 leaves it alone.
    JOB_NICE = _env_int("JOB_NICE", 10)

    # One JSON line per request (request id, user id, duration) and per log record.
    LOG_JSON = os.environ.get("LOG_JSON", "") == "1"
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")

    SECRET_KEY: str | None = None
    DATA_KEY: str | None = None  # Fernet key for personal data at rest

    @classmethod
    def init(cls) -> None:
        """Finish settings that depend on the environment at start-up."""


class DevelopmentConfig(Config):
    """Local development: secrets are generated into instance/ on first run."""

    DEBUG = False

    @classmethod
    def init(cls) -> None:
        cls.SECRET_KEY = os.environ.get("SECRET_KEY") or _instance_secret("secret_key")
        cls.DATA_KEY = os.environ.get("ASSIST_DATA_KEY") or _instance_data_key()


def _instance_data_key() -> str:
    from cryptography.fernet import Fernet

    path = INSTANCE_DIR / "data_key"
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(Fernet.generate_key().decode())
    return path.read_text().strip()


class TestingConfig(Config):
    """The test suite: each test gets its own database and random secrets."""

    TESTING = True
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    RATELIMIT_STORAGE_URI = "memory://"
    # Jobs run at once in the test's process; tests/jobs runs them on real workers too.
    JOBS_BACKEND = "inline"
    # Pages count the navigation's to-do on every request, so statement counts are the worst
    # case and counts change at once; tests/inbox/test_badge_cache.py sets the kept count on.
    INBOX_BADGE_SECONDS = 0
    # Cheap hashes keep the suite fast; production uses argon2-cffi's defaults.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    ARGON2_PARALLELISM = 1

    @classmethod
    def init(cls) -> None:
        from cryptography.fernet import Fernet

        cls.SECRET_KEY = secrets.token_urlsafe(32)
        cls.DATA_KEY = Fernet.generate_key().decode()


class ProductionConfig(Config):
    """Production: every secret comes from the environment, and cookies need HTTPS."""

    SESSION_COOKIE_SECURE = True
    # __Host-: the browser keeps the cookie only if Secure, Path=/ and without Domain, so
    # no sibling subdomain can set or shadow it.
    SESSION_COOKIE_NAME = "__Host-assist_session"
    SESSION_COOKIE_PATH = "/"
    SESSION_COOKIE_DOMAIN = None
    PREFERRED_URL_SCHEME = "https"
    LOG_JSON = os.environ.get("LOG_JSON", "1") == "1"

    @classmethod
    def init(cls) -> None:
        key = os.environ.get("SECRET_KEY", "")
        if len(key) < 32:
            raise RuntimeError(
                "SECRET_KEY must be set to a random value of at least 32 characters in production"
            )
        data_key = os.environ.get("ASSIST_DATA_KEY", "")
        if not data_key:
            raise RuntimeError("ASSIST_DATA_KEY (a Fernet key) must be set in production")
        storage = os.environ.get("RATELIMIT_STORAGE_URI", "")
        if not storage or storage.startswith("memory"):
            raise RuntimeError(
                "RATELIMIT_STORAGE_URI must point at a shared store (redis://…) in production"
            )
        cls.SECRET_KEY = key
        cls.DATA_KEY = data_key
        cls.RATELIMIT_STORAGE_URI = storage


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
