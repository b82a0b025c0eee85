"""Settings for pytest: the server's own, in embedded mode (no SECRET_KEY needed) and with a
fast password hasher (tests create many users; production keeps PBKDF2)."""

import os

os.environ.setdefault("DCM_EMBEDDED", "1")

from server.settings import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# On PostgreSQL, a "standby" alias mirroring the test database, for the read-routing tests
# (tests/server/test_dbrouting.py); routing stays off (STANDBY_READS) unless a test turns it on.
if DATABASES["default"]["ENGINE"].endswith("postgis") and "standby" not in DATABASES:  # noqa: F405
    # No pool: a mirror's pool would hold connections that stop the test database's drop.
    DATABASES["standby"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"},  # noqa: F405
                            "OPTIONS": {k: v for k, v in DATABASES["default"].get(  # noqa: F405
                                "OPTIONS", {}).items() if k != "pool"}}
