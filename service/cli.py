"""The `samling` command."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from service.settings import Settings, SettingsError, load_settings


class CliError(Exception):
    """A one-line message for stderr and a non-zero exit."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="samling", description="Samling service")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the web service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)

    sub.add_parser("migrate", help="apply all pending migrations")
    sub.add_parser("demo", help="load demo data (idempotent)")

    user = sub.add_parser("user", help="manage users")
    user_sub = user.add_subparsers(dest="what", required=True)
    add = user_sub.add_parser("add", help="create a user (or grant roles to an existing one)")
    add.add_argument("email")
    add.add_argument("--name", required=True)
    add.add_argument("--municipality", default=None, help="SSB number, e.g. 4204")
    add.add_argument(
        "--role",
        dest="roles",
        action="extend",
        nargs="+",
        default=[],
        help="admin | finance | coordinator:<network-slug>",
    )
    add.add_argument("--language", choices=["nb", "nn", "en"], default="nb")

    token = sub.add_parser("token", help="API tokens")
    token_sub = token.add_subparsers(dest="what", required=True)
    create = token_sub.add_parser("create", help="print one new API token")
    create.add_argument("email")
    create.add_argument("--label", default="cli")

    link = sub.add_parser("login-link", help="print a one-time login URL")
    link.add_argument("email")

    imp = sub.add_parser("import", help="import reference data")
    imp_sub = imp.add_subparsers(dest="what", required=True)
    muni = imp_sub.add_parser("municipalities", help="SSB classification export (CSV)")
    muni.add_argument("file", type=Path)

    # The mail/job worker (tasks/worker.py).
    worker = sub.add_parser("worker", help="run the arq job worker (needs SAMLING_REDIS_URL)")
    worker.add_argument(
        "--check", action="store_true", help="health check: exit 0 if a worker is alive, else 1"
    )
    return parser


async def _migrate() -> None:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            result = await run_forwards(app_name="all")
    except Exception as exc:
        raise CliError(f"migration failed: {type(exc).__name__}: {exc}") from exc
    if not result.success:
        raise CliError(f"migration failed: {result.message or out.getvalue().strip()}")
    print("migrations: up to date")


async def _pending_migrations() -> bool:
    from piccolo.apps.migrations.commands.check import CheckMigrationManager

    rows = await CheckMigrationManager(app_name="all").get_migration_statuses()
    return any(not r.has_ran for r in rows)


async def _demo() -> None:
    from service.demo import load_demo

    if await _pending_migrations():
        raise CliError("the database is not migrated; run `samling migrate` first")
    created = await load_demo()
    print("demo data: " + ", ".join(f"{v} new {k.replace('_', ' ')}" for k, v in created.items()))


async def _import_municipalities(path: Path, raw: bytes) -> None:
    from service.networks.importer import ImportError_, import_municipalities

    if await _pending_migrations():
        raise CliError("the database is not migrated; run `samling migrate` first")
    try:
        result = await import_municipalities(raw, path.name)
    except ImportError_ as exc:
        raise CliError(f"{path}: {exc}; nothing was imported") from exc
    print(
        f"municipalities: {result.created} created, {result.updated} renamed, "
        f"{result.unchanged} unchanged"
    )


async def _user_add(args: argparse.Namespace) -> None:
    from service.accounts import service
    from service.db.tx import atomic

    existing = await service.user_id_by_email(args.email)
    if existing is None:
        user_id = await service.create_user(
            args.email, args.name, args.municipality, args.roles, "samling cli", args.language
        )
        print(f"created user {args.email.strip().lower()} (id {user_id})")
        return
    async with atomic():
        await service.grant_roles(existing, args.roles, "samling cli")
    roles = ", ".join(await service.roles_of(existing)) or "participant"
    print(f"user {args.email.strip().lower()} exists (id {existing}); roles: {roles}")


async def _token_create(email: str, label: str) -> None:
    from service.accounts import service

    user_id = await service.user_id_by_email(email)
    if user_id is None:
        raise CliError(f"no user with e-mail {email}")
    token = await service.create_api_token(user_id, label, "samling cli")
    print(token["token"])


async def _login_link(email: str, base_url: str) -> None:
    from service.accounts import service

    print(await service.create_login_link(email, base_url))


def _run(coro: Any, needs_schema: bool = True) -> None:
    from service.lib.errors import DomainError

    async def checked() -> None:
        if needs_schema and await _pending_migrations():
            coro.close()
            raise CliError("the database is not migrated; run `samling migrate` first")
        await coro

    try:
        asyncio.run(checked())
    except DomainError as exc:
        raise CliError(exc.detail) from exc


def _worker(settings: Settings, check: bool) -> None:
    """`samling worker` runs the arq worker; `--check` is arq's health check."""
    if not settings.redis_url:
        raise CliError(
            "SAMLING_REDIS_URL is not set: the worker needs Redis "
            "(without it, `samling serve` sends mail in-process)"
        )
    from tasks.worker import check_worker, run

    if check:
        ok, line = asyncio.run(check_worker(settings.redis_url))
        if not ok:
            raise CliError(line)
        print(line)
        return
    run(settings)


def _serve(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from service.app import create_app

    print(f"Samling on http://{host}:{port} (database: {settings.database_url})", flush=True)
    if not settings.production:
        print(
            f"Demo accounts (samling demo): one-click sign-in on http://{host}:{port}/login",
            flush=True,
        )
    if settings.smtp_url is None:
        print(f"Mail is written to {settings.mail_dir.resolve()}/", flush=True)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        if args.command == "serve":
            _serve(settings, args.host, args.port)
        elif args.command == "migrate":
            _run(_migrate(), needs_schema=False)
        elif args.command == "demo":
            _run(_demo())
        elif args.command == "user":
            _run(_user_add(args))
        elif args.command == "token":
            _run(_token_create(args.email, args.label))
        elif args.command == "login-link":
            _run(_login_link(args.email, settings.base_url))
        elif args.command == "import":
            try:
                raw = args.file.read_bytes()
            except OSError as exc:
                raise CliError(f"cannot read {args.file}: {exc.strerror}") from exc
            _run(_import_municipalities(args.file, raw))
        elif args.command == "worker":
            _worker(settings, args.check)
    except (SettingsError, CliError) as exc:
        print(f"samling: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # one line, never a traceback (the contract's CLI rule)
        message = " ".join(str(exc).split()) or type(exc).__name__
        if message == "database is locked":
            message += " (another process held the SQLite write lock too long; try again)"
        print(f"samling: {type(exc).__name__}: {message}", file=sys.stderr)
        return 1
    return 0
