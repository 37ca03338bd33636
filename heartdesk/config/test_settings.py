"""Settings for the test suite: the production settings, with static files served without a manifest."""

import os

from heartdesk.config.settings import *  # noqa: F403
from heartdesk.config.settings import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_AUTOREFRESH = True

# Argon2 still, but with a small memory cost: the suite hashes hundreds of passwords.
PASSWORD_HASHERS = ["heartdesk.config.test_settings.QuickArgon2PasswordHasher"]

from django.contrib.auth.hashers import Argon2PasswordHasher  # noqa: E402


class QuickArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 64
    parallelism = 1


# A file, not memory, so a real worker process can share the test database with the live server.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # One file per test run (several runs may share a checkout); Django deletes it at the end of the run.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")}  # noqa: F405

# Workers run in-process in tests and call close_old_connections(); the test's connection holds its transaction.
DATABASES["default"]["CONN_MAX_AGE"] = None  # noqa: F405

# pytest-xdist: each worker gets its own Redis database (the suite empties it), numbered up from REDIS_URL's.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if REDIS_URL and _worker.startswith("gw"):  # noqa: F405
    from urllib.parse import urlsplit, urlunsplit

    _url = urlsplit(REDIS_URL)  # noqa: F405
    _db = int(_url.path.strip("/") or 0) + int(_worker[2:])
    if _db > 15:
        raise RuntimeError(f"REDIS_URL database {_url.path} plus worker {_worker} is past Redis's 16 databases")
    REDIS_URL = urlunsplit(_url._replace(path=f"/{_db}"))
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    RQ_QUEUES = {"default": {**RQ_QUEUES["default"], "URL": REDIS_URL}}  # noqa: F405
