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
