"""Settings read from the environment: production passes the deploy check; bad values stop the
start with a message naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "coordination.settings.production",
    "SECRET_KEY": "k" * 10 + "Zq8#vW2!pL0@xR5$mN7%bT3^cY6&hJ9*gF4(dS1)aE" + "u" * 10,
    "DATABASE_URL": "postgres://tandem:tandem@db.invalid:5432/tandem",
    "ALLOWED_HOSTS": "tandem.example.com",
}


def manage(*args, env_extra: dict, tmp_path) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS",
                          "DJANGO_SETTINGS_MODULE", "TIME_ZONE", "LANGUAGE_CODE",
                          "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env |= {"TANDEM_VAR_DIR": str(tmp_path)} | env_extra
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING",
                    env_extra=PRODUCTION_ENV, tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_requires_a_secret_key(tmp_path):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = manage("check", env_extra=env, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


def test_a_bad_boolean_names_the_variable(tmp_path):
    result = manage("check", env_extra={"DEBUG": "perhaps"}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_an_unknown_time_zone_names_the_variable(tmp_path):
    result = manage("check", env_extra={"TIME_ZONE": "Mars/Olympus"}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "TIME_ZONE is not a known time zone" in result.stderr


def test_development_defaults_need_no_environment(tmp_path):
    result = manage("check", env_extra={}, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    # A development secret was generated under var/ and is not the same on every machine.
    assert (tmp_path / "secret_key").read_text().strip()
