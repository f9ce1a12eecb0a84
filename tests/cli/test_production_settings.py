"""Production settings pass Django's deployment checklist with nothing left to warn about.

Run as `accord manage check --deploy --fail-level WARNING` in a process of its own, with the
environment a deployment sets: HTTPS, a secret key, its host name and an SMTP server.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path


def _check(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        # Nothing from the test run: the browser tests allow Django's async-unsafe calls
        # (DJANGO_ALLOW_ASYNC_UNSAFE), which a deployment must never do.
        if not key.startswith(("ACCORD_", "EMAIL_", "DATABASE_URL", "DJANGO_"))
    }
    environment |= {"ACCORD_DATA_DIR": str(tmp_path), **env}
    return subprocess.run(
        [sys.executable, "-m", "accord", "manage", "check", "--deploy", "--fail-level", "WARNING"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "ACCORD_HTTPS": "1",
    "ACCORD_SECRET_KEY": secrets.token_urlsafe(50),
    "ACCORD_ALLOWED_HOSTS": "accord.example.gov.uk",
    "EMAIL_HOST": "smtp.example.gov.uk",
}


def test_production_settings_pass_the_deployment_checklist(tmp_path: Path) -> None:
    result = _check(tmp_path, **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_without_https_the_checklist_says_what_is_missing(tmp_path: Path) -> None:
    plain = {key: value for key, value in PRODUCTION.items() if key != "ACCORD_HTTPS"}
    result = _check(tmp_path, **plain)
    assert result.returncode != 0
    for missing in ("SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE"):
        assert missing in result.stderr


def test_over_https_every_cookie_carries_the_host_prefix_and_is_secure(tmp_path: Path) -> None:
    """`__Host-` cookies are accepted only if Secure, for the whole site, from this host alone.

    Signs in and out over HTTPS, as a person does, and looks at every cookie set on the way.
    """
    script = (
        "import django; django.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('migrate', verbosity=0)\n"
        "from accord.apps.accounts.models import User\n"
        "User.objects.create_user('ig@example.gov.uk', 'correct horse battery staple',"
        " full_name='IG')\n"
        "from django.test import Client\n"
        "client = Client(headers={'host': 'accord.example.gov.uk'})\n"
        "answers = [client.get('/account/sign-in/', secure=True),\n"
        "    client.post('/account/sign-in/', {'email': 'ig@example.gov.uk',"
        " 'password': 'correct horse battery staple'}, secure=True),\n"
        "    client.post('/account/sign-out/', secure=True)]\n"
        "print('statuses', *(a.status_code for a in answers))\n"
        "for answer in answers:\n"
        "    for name, morsel in answer.cookies.items():\n"
        "        print(name, bool(morsel['secure']), bool(morsel['httponly']), morsel['path'],"
        " repr(morsel['domain']), morsel['samesite'])\n"
    )
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ACCORD_", "EMAIL_", "DATABASE_URL", "DJANGO_"))
    }
    environment |= {
        "ACCORD_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "accord.web.settings",
        **PRODUCTION,
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    statuses, *lines = result.stdout.splitlines()
    assert statuses == "statuses 200 302 302"
    cookies = {line.split(" ", 1)[0]: line.split(" ", 1)[1] for line in lines}
    assert set(cookies) == {"__Host-csrftoken", "__Host-sessionid"}
    assert all(flags == "True True / '' Lax" for flags in cookies.values()), cookies
