"""Production mode: settings from the environment, and Django's deployment checklist."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _manage(env_overrides, *args):
    env = {k: v for k, v in os.environ.items() if k not in ("DCM_EMBEDDED", "DEBUG", "SECRET_KEY")}
    env.update(env_overrides, DJANGO_SETTINGS_MODULE="server.settings")
    return subprocess.run([sys.executable, "server/manage.py", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


def test_production_mode_passes_check_deploy():
    out = _manage({"SECRET_KEY": secrets.token_urlsafe(50),
                   "ALLOWED_HOSTS": "dcm.example.org"},
                  "check", "--deploy", "--fail-level", "WARNING")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no issues" in out.stdout


def test_production_mode_without_secret_key_refuses_to_start():
    out = _manage({}, "check")
    assert out.returncode != 0
    assert "SECRET_KEY must be set" in out.stderr


def test_throttle_counts_are_shared_by_every_worker_process():
    """Open311, portal and camera throttles live in the cache: with Redis, a count one worker
    process made is the count another sees (in memory, N workers would allow N times the
    rate), and it sits in its own Redis database, apart from the channel layer's keys."""
    import pytest
    from django.conf import settings
    from django.core.cache import cache

    if not os.environ.get("REDIS_URL"):
        pytest.skip("embedded: one process, its memory is the one place")
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    assert settings.CACHES["default"]["LOCATION"].endswith("/1")
    key = f"throttle-probe-{secrets.token_hex(4)}"
    code = ("import django; django.setup(); from django.core.cache import cache; "
            f"cache.set({key!r}, [1, 2, 3], 60)")
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="server.settings", PYTHONPATH=str(REPO))
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert cache.get(key) == [1, 2, 3]
    cache.delete(key)


def test_photo_storage_is_chosen_by_settings_and_bad_options_are_refused(tmp_path):
    """PHOTO_STORAGE and PHOTO_STORAGE_OPTIONS replace the photo store (several app nodes share
    one); options that are not a JSON object stop the start with a message naming them."""
    code = ("import django; django.setup(); from django.core.files.storage import storages; "
            "s = storages['default']; print(type(s).__name__, s.location)")
    env = {"DCM_EMBEDDED": "1", "PYTHONPATH": str(REPO),
           "PHOTO_STORAGE": "django.core.files.storage.FileSystemStorage",
           "PHOTO_STORAGE_OPTIONS": f'{{"location": "{tmp_path}"}}'}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         env=dict(os.environ, DJANGO_SETTINGS_MODULE="server.settings", **env),
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["FileSystemStorage", str(tmp_path)]
    out = _manage({"DCM_EMBEDDED": "1", "PHOTO_STORAGE_OPTIONS": "[1, 2]"}, "check")
    assert out.returncode != 0
    assert "PHOTO_STORAGE_OPTIONS must be a JSON object" in out.stderr
    out = _manage({"DCM_EMBEDDED": "1", "PHOTO_STORAGE_OPTIONS": "{bucket"}, "check")
    assert "PHOTO_STORAGE_OPTIONS is not valid JSON" in out.stderr
