"""Settings: every SAMLING_* environment variable, validated once at start-up."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

VAR_DIR = Path(os.environ.get("SAMLING_VAR_DIR", "var"))
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
SMTP_SCHEMES = {"smtp", "smtp+starttls", "smtps"}


class SettingsError(ValueError):
    """A bad configuration value; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    redis_url: str | None
    smtp_url: str | None
    mail_from: str
    base_url: str
    secret_key: str
    env: str
    var_dir: Path
    payer_name: str = "Helsedirektoratet"
    payer_org_number: str = "983544622"
    payer_account: str | None = None  # the account payouts are paid from (pain.001)

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")

    @property
    def sqlite_path(self) -> Path:
        return sqlite_path(self.database_url)

    @property
    def mail_dir(self) -> Path:
        return self.var_dir / "mail"


def sqlite_path(url: str) -> Path:
    """`sqlite:///var/x.db` is relative, `sqlite:////abs/x.db` absolute."""
    return Path(url.removeprefix("sqlite:///"))


def _check_database_url(url: str) -> str:
    if url.startswith("sqlite:///") and len(url) > len("sqlite:///"):
        if url.endswith(":memory:"):
            raise SettingsError("SAMLING_DATABASE_URL: in-memory SQLite is not supported")
        return url
    parts = urlsplit(url)
    if parts.scheme in {"postgresql", "postgres"} and parts.hostname and parts.path.strip("/"):
        return url
    raise SettingsError(
        "SAMLING_DATABASE_URL must be sqlite:///PATH or postgresql://user@host:port/db, "
        f"got {url!r}"
    )


def _check_redis_url(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in {"redis", "rediss"} or not parts.hostname:
        raise SettingsError(f"SAMLING_REDIS_URL must be redis://host:port/db, got {url!r}")
    return url


def _check_smtp_url(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in SMTP_SCHEMES or not parts.hostname:
        raise SettingsError(
            "SAMLING_SMTP_URL must be smtp://host:port, smtp+starttls://user:pass@host:587 "
            f"or smtps://user:pass@host:465, got {url!r}"
        )
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as exc:
        raise SettingsError(f"SAMLING_SMTP_URL has a bad port: {url!r}") from exc
    return url


def _check_mail_from(value: str) -> str:
    _, address = parseaddr(value)
    if "@" not in address or address.startswith("@") or address.endswith("@"):
        raise SettingsError(f"SAMLING_MAIL_FROM must be an e-mail address, got {value!r}")
    return value


def _check_base_url(url: str, production: bool) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise SettingsError(f"SAMLING_BASE_URL must be an http(s) URL, got {url!r}")
    if production and parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        raise SettingsError("SAMLING_BASE_URL must use https:// when SAMLING_ENV=production")
    return url.rstrip("/")


def _secret_key(value: str | None, production: bool, var_dir: Path) -> str:
    value = (value or "").strip() or None
    if production:
        if not value:
            raise SettingsError("SAMLING_SECRET_KEY is required when SAMLING_ENV=production")
        if len(value) < 32:
            raise SettingsError("SAMLING_SECRET_KEY must be at least 32 characters")
        dev_key = var_dir / "secret_key"
        if dev_key.exists() and dev_key.read_text().strip() == value:
            raise SettingsError("SAMLING_SECRET_KEY must not be the generated development key")
        return value
    if value:
        return value
    key_file = var_dir / "secret_key"
    var_dir.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: of two processes starting at once, one writes and both read its key.
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_urlsafe(48))
    return key_file.read_text().strip()


DEMO_PAYER_ACCOUNT = "12345678903"  # a well-formed number for development files only


def _check_payer_account(value: str | None, production: bool) -> str | None:
    from stdnum.no import kontonr

    if not value:
        return None if production else DEMO_PAYER_ACCOUNT
    compact = kontonr.compact(value)
    if not kontonr.is_valid(compact):
        raise SettingsError(
            f"SAMLING_PAYER_ACCOUNT must be a Norwegian bank account number, got {value!r}"
        )
    return str(compact)


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read and validate the environment; raise SettingsError naming the variable."""
    source = os.environ if environ is None else environ
    env = {k: v for k, v in source.items() if v != ""}  # empty means unset
    mode = env.get("SAMLING_ENV", "development")
    if mode not in {"development", "production"}:
        raise SettingsError(f"SAMLING_ENV must be development or production, got {mode!r}")
    production = mode == "production"
    var_dir = Path(env.get("SAMLING_VAR_DIR", str(VAR_DIR)))
    return Settings(
        database_url=_check_database_url(
            env.get("SAMLING_DATABASE_URL") or f"sqlite:///{var_dir}/samling.db"
        ),
        redis_url=_check_redis_url(env.get("SAMLING_REDIS_URL")),
        smtp_url=_check_smtp_url(env.get("SAMLING_SMTP_URL")),
        mail_from=_check_mail_from(env.get("SAMLING_MAIL_FROM", "Samling <noreply@localhost>")),
        base_url=_check_base_url(env.get("SAMLING_BASE_URL", "http://127.0.0.1:8000"), production),
        secret_key=_secret_key(env.get("SAMLING_SECRET_KEY"), production, var_dir),
        env=mode,
        var_dir=var_dir,
        payer_name=env.get("SAMLING_PAYER_NAME", "Helsedirektoratet")[:70],
        payer_account=_check_payer_account(env.get("SAMLING_PAYER_ACCOUNT"), production),
    )


_current: Settings | None = None


def current_settings() -> Settings:
    """The process's settings, read once (for code far from a request)."""
    global _current
    if _current is None:
        _current = load_settings()
    return _current
