"""Settings: every SAMLING_* variable is validated at start-up, naming the culprit."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from service.settings import SettingsError, load_settings

GOOD_KEY = "k" * 40


def env(tmp_path: Path, **values: str) -> dict[str, str]:
    """An explicit environment: only the given variables, var/ under tmp_path."""
    return {"SAMLING_VAR_DIR": str(tmp_path / "var"), **values}


def production(tmp_path: Path, **values: str) -> dict[str, str]:
    safe = {
        "SAMLING_ENV": "production",
        "SAMLING_SECRET_KEY": GOOD_KEY,
        "SAMLING_BASE_URL": "https://samling.example.org",
    }
    return env(tmp_path, **{**safe, **values})


def test_defaults_give_a_working_development_set_up(tmp_path: Path) -> None:
    settings = load_settings(env(tmp_path))

    var = tmp_path / "var"
    assert settings.database_url == f"sqlite:///{var}/samling.db"
    assert settings.is_sqlite
    assert settings.sqlite_path == var / "samling.db"
    assert settings.redis_url is None
    assert settings.smtp_url is None
    assert settings.mail_dir == var / "mail"
    assert settings.mail_from == "Samling <noreply@localhost>"
    assert settings.base_url == "http://127.0.0.1:8000"
    assert settings.env == "development"
    assert not settings.production
    assert settings.var_dir == var


def test_explicit_values_are_taken_as_given(tmp_path: Path) -> None:
    settings = load_settings(
        env(
            tmp_path,
            SAMLING_DATABASE_URL="postgresql://samling@db.internal:5432/samling",
            SAMLING_REDIS_URL="redis://cache.internal:6379/0",
            SAMLING_SMTP_URL="smtp+starttls://user:pass@mail.example.org:587",
            SAMLING_MAIL_FROM="Samling <samling@example.org>",
            SAMLING_BASE_URL="http://localhost:8080/",
            SAMLING_SECRET_KEY="development-key",
        )
    )

    assert settings.database_url == "postgresql://samling@db.internal:5432/samling"
    assert not settings.is_sqlite
    assert settings.redis_url == "redis://cache.internal:6379/0"
    assert settings.smtp_url == "smtp+starttls://user:pass@mail.example.org:587"
    assert settings.mail_from == "Samling <samling@example.org>"
    assert settings.base_url == "http://localhost:8080"  # no trailing slash in links
    assert settings.secret_key == "development-key"


@pytest.mark.parametrize("url", ["smtp://mail:25", "smtps://u:p@mail.example.org:465"])
def test_every_documented_smtp_form_is_accepted(tmp_path: Path, url: str) -> None:
    assert load_settings(env(tmp_path, SAMLING_SMTP_URL=url)).smtp_url == url


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SAMLING_DATABASE_URL", "mysql://x"),
        ("SAMLING_DATABASE_URL", "sqlite:///:memory:"),
        ("SAMLING_DATABASE_URL", "postgresql://db.internal"),
        ("SAMLING_DATABASE_URL", "sqlite:///"),
        ("SAMLING_REDIS_URL", "http://x"),
        ("SAMLING_SMTP_URL", "ftp://x"),
        ("SAMLING_SMTP_URL", "smtp://mail.example.org:99999"),
        ("SAMLING_SMTP_URL", "smtp://mail.example.org:twenty-five"),
        ("SAMLING_MAIL_FROM", "nobody"),
        ("SAMLING_MAIL_FROM", "Samling <@example.org>"),
        ("SAMLING_BASE_URL", "ftp://x"),
        ("SAMLING_BASE_URL", "127.0.0.1:8000"),
        ("SAMLING_ENV", "staging"),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable(
    tmp_path: Path, variable: str, value: str
) -> None:
    with pytest.raises(SettingsError) as excinfo:
        load_settings(env(tmp_path, **{variable: value}))

    assert variable in str(excinfo.value)


def test_production_refuses_a_missing_secret_key(tmp_path: Path) -> None:
    environ = production(tmp_path)
    del environ["SAMLING_SECRET_KEY"]

    with pytest.raises(SettingsError, match="SAMLING_SECRET_KEY"):
        load_settings(environ)
    assert not (tmp_path / "var" / "secret_key").exists(), "no key may be generated in production"


def test_production_refuses_an_empty_secret_key(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="SAMLING_SECRET_KEY"):
        load_settings(production(tmp_path, SAMLING_SECRET_KEY=""))


def test_production_refuses_a_short_secret_key(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="SAMLING_SECRET_KEY"):
        load_settings(production(tmp_path, SAMLING_SECRET_KEY="s" * 31))

    assert load_settings(production(tmp_path, SAMLING_SECRET_KEY="s" * 32)).secret_key == "s" * 32


def test_production_refuses_the_generated_development_key(tmp_path: Path) -> None:
    dev_key = load_settings(env(tmp_path)).secret_key

    with pytest.raises(SettingsError, match="SAMLING_SECRET_KEY"):
        load_settings(production(tmp_path, SAMLING_SECRET_KEY=dev_key))


def test_production_with_safe_values_is_accepted(tmp_path: Path) -> None:
    settings = load_settings(production(tmp_path))

    assert settings.production
    assert settings.env == "production"
    assert settings.secret_key == GOOD_KEY
    assert settings.base_url == "https://samling.example.org"


def test_production_refuses_a_plain_http_public_base_url(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="SAMLING_BASE_URL"):
        load_settings(production(tmp_path, SAMLING_BASE_URL="http://samling.example.org"))


@pytest.mark.parametrize(
    "url",
    [
        "https://samling.example.org",
        "http://127.0.0.1:8000",
        "http://localhost:8000",
    ],
)
def test_production_accepts_https_or_a_local_http_base_url(tmp_path: Path, url: str) -> None:
    assert load_settings(production(tmp_path, SAMLING_BASE_URL=url)).base_url == url


def test_plain_http_base_url_is_fine_in_development(tmp_path: Path) -> None:
    url = "http://samling.example.org"
    assert load_settings(env(tmp_path, SAMLING_BASE_URL=url)).base_url == url


def test_development_secret_is_generated_once_and_kept(tmp_path: Path) -> None:
    key_file = tmp_path / "var" / "secret_key"
    assert not key_file.exists()

    first = load_settings(env(tmp_path)).secret_key
    second = load_settings(env(tmp_path)).secret_key

    assert first == second, "sessions must survive a restart"
    assert len(first) >= 32
    assert key_file.read_text().strip() == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600, "only the owner may read the key"

    other = load_settings({"SAMLING_VAR_DIR": str(tmp_path / "other-var")}).secret_key
    assert other != first, "each installation gets its own random key"


def test_an_explicit_development_secret_wins_over_the_generated_one(tmp_path: Path) -> None:
    generated = load_settings(env(tmp_path)).secret_key

    explicit = load_settings(env(tmp_path, SAMLING_SECRET_KEY="mine")).secret_key

    assert explicit == "mine"
    assert load_settings(env(tmp_path)).secret_key == generated


def test_cli_in_production_without_a_secret_exits_with_one_line(
    tmp_path: Path, samling_bin: Path
) -> None:
    database = tmp_path / "never-created.db"
    environ = dict(
        os.environ,
        SAMLING_ENV="production",
        SAMLING_VAR_DIR=str(tmp_path / "var"),
        SAMLING_DATABASE_URL=f"sqlite:///{database}",
    )
    environ.pop("SAMLING_SECRET_KEY", None)

    proc = subprocess.run(
        [str(samling_bin), "migrate"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert proc.returncode != 0
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert "SAMLING_SECRET_KEY" in lines[0]
    assert "Traceback" not in proc.stderr
    assert not database.exists(), "nothing may be done before the settings are valid"
