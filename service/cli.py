"""The `samling` command."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import sys
from collections.abc import Sequence
from pathlib import Path

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

    imp = sub.add_parser("import", help="import reference data")
    imp_sub = imp.add_subparsers(dest="what", required=True)
    muni = imp_sub.add_parser("municipalities", help="SSB classification export (CSV)")
    muni.add_argument("file", type=Path)
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
    from service.networks.demo import load_demo

    if await _pending_migrations():
        raise CliError("the database is not migrated; run `samling migrate` first")
    created = await load_demo()
    print("demo data: " + ", ".join(f"{v} new {k}" for k, v in created.items()))


async def _import_municipalities(path: Path, raw: bytes) -> None:
    from service.networks.importer import ImportError_, import_municipalities

    try:
        result = await import_municipalities(raw, path.name)
    except ImportError_ as exc:
        raise CliError(f"{path}: {exc}; nothing was imported") from exc
    print(
        f"municipalities: {result.created} created, {result.updated} renamed, "
        f"{result.unchanged} unchanged"
    )


def _serve(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from service.app import create_app

    print(f"Samling on http://{host}:{port} (database: {settings.database_url})", flush=True)
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
            asyncio.run(_migrate())
        elif args.command == "demo":
            asyncio.run(_demo())
        elif args.command == "import":
            try:
                raw = args.file.read_bytes()
            except OSError as exc:
                raise CliError(f"cannot read {args.file}: {exc.strerror}") from exc
            asyncio.run(_import_municipalities(args.file, raw))
    except (SettingsError, CliError) as exc:
        print(f"samling: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"samling: {exc}", file=sys.stderr)
        return 1
    return 0
