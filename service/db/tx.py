"""atomic(): one transaction per state change, with after-commit hooks.

SQLite takes the write lock at BEGIN (IMMEDIATE) so concurrent writers queue on the
busy timeout instead of failing with "database is locked"; PostgreSQL uses an
ordinary transaction (row locks are taken by the statements themselves).
"""

from __future__ import annotations

import contextvars
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteTransaction, TransactionType

AfterCommit = Callable[[], Awaitable[None]]
commits = 0  # write transactions committed by this process (read by caches)
_hooks: contextvars.ContextVar[list[AfterCommit] | None] = contextvars.ContextVar(
    "samling_after_commit", default=None
)


class _SQLiteTransaction(SQLiteTransaction):
    """Piccolo's, but a BEGIN that fails (busy timeout) closes its connection: left
    open, each one kept a thread alive and stopped the CLI from exiting."""

    async def begin(self) -> None:
        try:
            await super().begin()
        except BaseException:
            await self.connection.close()
            raise


def engine() -> Any:
    found = engine_finder()
    assert found is not None, "piccolo_conf.DB is not configured"
    return found


def is_sqlite() -> bool:
    return engine().engine_type == "sqlite"


@asynccontextmanager
async def atomic() -> AsyncIterator[None]:
    """Run the block in one transaction; nested calls join the outer one."""
    db = engine()
    if db.current_transaction.get() is not None:
        yield
        return
    hooks: list[AfterCommit] = []
    token = _hooks.set(hooks)
    try:
        if db.engine_type == "sqlite":
            tx = _SQLiteTransaction(engine=db, transaction_type=TransactionType.immediate)
        else:
            tx = db.transaction()
        async with tx:
            yield
    finally:
        _hooks.reset(token)
    global commits
    commits += 1
    for hook in hooks:
        await hook()


def after_commit(hook: AfterCommit) -> None:
    """Run `hook` once the current transaction has committed (at once if none)."""
    hooks = _hooks.get()
    if hooks is None:
        raise RuntimeError("after_commit() needs an open atomic() block")
    hooks.append(hook)
