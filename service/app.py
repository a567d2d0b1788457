"""create_app(): routes, plugins, error handlers and the database lifespan."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import structlog
from litestar import Litestar
from litestar.di import Provide
from litestar.logging.config import StructLoggingConfig
from litestar.middleware.base import DefineMiddleware
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.plugins.structlog import StructlogConfig, StructlogPlugin

from service.accounts.controller import (
    AdminUserController,
    ApprovalController,
    AuthController,
    MeController,
)
from service.accounts.kv import RateLimiter, SessionStore, close_redis_clients
from service.accounts.middleware import auth_middleware
from service.admin.controller import AuditController
from service.calendar.controller import CalendarController, MyCalendarController
from service.campaigns import controller as campaigns_api
from service.claims.controller import (
    BudgetController,
    ClaimController,
    PayoutController,
    RateController,
)
from service.db.engine import database_url
from service.db.tx import engine
from service.documents import controller as documents_api
from service.gatherings.controller import GatheringController, RegistrationController
from service.lib.errors import EXCEPTION_HANDLERS
from service.lib.logs import queued_logger_factory
from service.lib.middleware import request_id_middleware
from service.networks.controller import MunicipalityController, NetworkController
from service.news import controller as news_api
from service.ops.controller import health, ready
from service.outbox.controller import OutboxAdminController
from service.settings import Settings, SettingsError, load_settings
from service.statistics import controller as statistics_api
from service.web.router import for_browsers, static_router, web_router
from service.web.routes import PAGES
from service.web.templating import template_config
from tasks.periodic import periodic_lifespan
from tasks.queue import queue_lifespan

SESSION_MAX_AGE = timedelta(days=14)

log = structlog.get_logger("samling.app")


async def _start_pool(db: Any) -> None:
    """Start the pool, or run without one when PostgreSQL is down at start-up.

    Starting it later would race with transactions that began on a direct connection,
    so a process that started without the database keeps opening connections per query
    (correct, slower) and says so; /ready reports the database as it is.
    """
    try:
        async with asyncio.timeout(10):
            await db.start_connection_pool(max_size=10)
    except (TimeoutError, OSError) as exc:
        log.warning("database not reachable at start-up; running without a pool", error=str(exc))


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or load_settings()
    if settings.database_url != database_url():
        raise SettingsError("SAMLING_DATABASE_URL changed after start-up")

    @asynccontextmanager
    async def db_pool(app: Litestar) -> AsyncIterator[None]:
        db = engine()
        if db.engine_type != "postgres":
            yield
            return
        await _start_pool(db)
        try:
            yield
        finally:
            await db.close_connection_pool()

    @asynccontextmanager
    async def redis_clients(app: Litestar) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await close_redis_clients()

    sessions = SessionStore(settings.redis_url, max_age=SESSION_MAX_AGE)
    limiter = RateLimiter(settings.redis_url)

    return Litestar(
        route_handlers=[
            web_router(PAGES),
            static_router(),
            health,
            ready,
            AuthController,
            MeController,
            AdminUserController,
            ApprovalController,
            NetworkController,
            MunicipalityController,
            GatheringController,
            RegistrationController,
            CalendarController,
            MyCalendarController,
            OutboxAdminController,  # mail pipeline
            AuditController,
            RateController,
            ClaimController,
            PayoutController,
            BudgetController,
            *campaigns_api.HANDLERS,
            *news_api.HANDLERS,
            *documents_api.HANDLERS,
            *statistics_api.HANDLERS,
        ],
        dependencies={
            "settings": Provide(lambda: settings, sync_to_thread=False),
            "sessions": Provide(lambda: sessions, sync_to_thread=False),
            "limiter": Provide(lambda: limiter, sync_to_thread=False),
        },
        exception_handlers=for_browsers(EXCEPTION_HANDLERS),
        template_config=template_config(),
        middleware=[
            request_id_middleware,
            DefineMiddleware(auth_middleware, settings=settings, sessions=sessions),
        ],
        # queue_lifespan: the in-process mail runner, or the forwarder to arq with Redis.
        lifespan=[db_pool, redis_clients, queue_lifespan(settings), periodic_lifespan(settings)],
        plugins=[
            StructlogPlugin(
                StructlogConfig(
                    structlog_logging_config=StructLoggingConfig(
                        log_exceptions="never", logger_factory=queued_logger_factory
                    ),
                    enable_middleware_logging=False,
                )
            )
        ],
        openapi_config=OpenAPIConfig(
            title="Samling",
            version="1",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin()],
        ),
        debug=False,
    )
