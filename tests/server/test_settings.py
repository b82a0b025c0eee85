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
