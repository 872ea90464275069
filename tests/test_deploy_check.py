"""`manage.py check --deploy` passes with the production variables documented in docs/deploy.md."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "DEBUG": "false",
    "HTTPS": "true",
    "ALLOWED_HOSTS": "essayons.example",
    "SITE_URL": "https://essayons.example",
    "CSRF_TRUSTED_ORIGINS": "https://essayons.example",
    "TRUSTED_PROXY_COUNT": "1",
}


def check_deploy(tmp_path, **overrides: str) -> subprocess.CompletedProcess:
    # DJANGO_ALLOW_ASYNC_UNSAFE is set in this process by the browser tests, never in production.
    ignored = {"DATABASE_URL", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in ignored}
    env.update(PRODUCTION, SECRET_KEY=secrets.token_urlsafe(50), ESSAYONS_VAR_DIR=str(tmp_path))
    env.update(overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_the_deploy_check(tmp_path):
    done = check_deploy(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_the_check_fails_when_production_is_misconfigured(tmp_path):
    """The same check catches a forgotten HTTPS=true (so the test above can fail)."""
    done = check_deploy(tmp_path, HTTPS="false")
    assert done.returncode != 0
    assert "security.W008" in done.stderr + done.stdout
