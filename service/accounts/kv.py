"""Sessions and rate-limit counters: in the database, or in Redis when configured."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

from piccolo.querystring import QueryString

from service.accounts.secrets import hash_secret
from service.db.tables import SessionData
from service.db.tx import atomic, engine

_redis: dict[str, Any] = {}


def redis_client(url: str) -> Any:
    """One client per process and URL."""
    if url not in _redis:
        from redis.asyncio import Redis

        _redis[url] = Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
    return _redis[url]


async def close_redis_clients() -> None:
    for client in _redis.values():
        await client.aclose()
    _redis.clear()


def _now() -> datetime:
    return datetime.now(UTC)


class SessionStore:
    """Maps a session cookie (only its hash is stored) to session data."""

    prefix = "samling:session:"

    def __init__(self, redis_url: str | None, max_age: timedelta) -> None:
        self.redis_url = redis_url
        self.max_age = max_age

    async def put(self, cookie: str, data: dict[str, Any]) -> None:
        key, raw = hash_secret(cookie), json.dumps(data).encode()
        if self.redis_url:
            seconds = int(self.max_age.total_seconds())
            await redis_client(self.redis_url).set(self.prefix + key, raw, ex=seconds)
            return
        async with atomic():
            await SessionData.delete().where(SessionData.expires_at < _now())
            await SessionData.insert(
                SessionData(key=key, value=raw, expires_at=_now() + self.max_age)
            )

    async def get(self, cookie: str) -> dict[str, Any] | None:
        key = hash_secret(cookie)
        if self.redis_url:
            raw = await redis_client(self.redis_url).get(self.prefix + key)
        else:
            row = (
                await SessionData.select(SessionData.value)
                .where((SessionData.key == key) & (SessionData.expires_at > _now()))
                .first()
            )
            raw = row["value"] if row else None
        return json.loads(raw) if raw else None

    async def delete(self, cookie: str) -> None:
        key = hash_secret(cookie)
        if self.redis_url:
            await redis_client(self.redis_url).delete(self.prefix + key)
        else:
            async with atomic():
                await SessionData.delete().where(SessionData.key == key)


class RateLimiter:
    """Fixed-window counters. hit() returns 0 when allowed, else seconds to wait."""

    prefix = "samling:rate:"

    def __init__(self, redis_url: str | None) -> None:
        self.redis_url = redis_url

    async def hit(self, key: str, limit: int, window: timedelta) -> int:
        seconds = int(window.total_seconds())
        if self.redis_url:
            client = redis_client(self.redis_url)
            bucket = f"{self.prefix}{key}:{int(_now().timestamp()) // seconds}"
            count = await client.incr(bucket)
            if count == 1:
                await client.expire(bucket, seconds)
            if count > limit:
                ttl = await client.ttl(bucket)
                return max(int(ttl), 1)
            return 0
        now = _now()
        # One statement, so requests arriving together never race on the key.
        rows = await engine().run_querystring(
            QueryString(
                "INSERT INTO rate_counter (key, window_start, hits) VALUES ({}, {}, 1) "
                "ON CONFLICT (key) DO UPDATE SET "
                "hits = CASE WHEN rate_counter.window_start <= {} THEN 1 "
                "ELSE rate_counter.hits + 1 END, "
                "window_start = CASE WHEN rate_counter.window_start <= {} THEN {} "
                "ELSE rate_counter.window_start END "
                "RETURNING hits, window_start",
                key,
                now,
                now - window,
                now - window,
                now,
            )
        )
        hits, start = rows[0]["hits"], rows[0]["window_start"]
        if hits > limit:
            if isinstance(start, str):
                start = datetime.fromisoformat(start)
            left = (start + window - now).total_seconds()
            return max(math.ceil(left), 1)
        return 0
