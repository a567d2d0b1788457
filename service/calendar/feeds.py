"""Calendar feeds: which gatherings each feed holds, rendered and cached.

Each VEVENT is rendered once per (gathering, updated_at, status, language and that
language's texts from the catalogs) and kept; a feed is assembled from those pieces and
cached whole with a version stamp. A request asks the database one cheap question (the
version); when it has not changed, the cached bytes and ETag answer, and a matching
If-None-Match is a 304. The answer to that question is itself reused for up to FRESH_S
seconds unless this process has committed a write since, so a change made through
another process shows within FRESH_S seconds, and one made through this process at once.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parseaddr
from typing import Any
from urllib.parse import urlsplit

import structlog

from service.calendar import ics
from service.db import tx
from service.db.tables import (
    Gathering,
    IcsPiece,
    ProgrammeItem,
    Registration,
    RoleGrant,
)
from service.db.tx import engine
from service.lib import i18n
from service.lib.clock import OSLO, now

log = structlog.get_logger("samling.feeds")
PAST = timedelta(days=365)
CANCELLED_KEPT = timedelta(days=60)
PUBLIC_STATES = ["published", "completed", "cancelled"]
MAX_FEEDS = 256
MAX_EVENTS = 20_000
FRESH_S = 2.0


@dataclass(frozen=True)
class Feed:
    body: bytes
    etag: str
    last_modified: datetime
    last_modified_http: str = ""


_feeds: OrderedDict[tuple[Any, ...], tuple[Any, Feed]] = OrderedDict()
_events: OrderedDict[str, bytes] = OrderedDict()
_checked: dict[tuple[Any, ...], tuple[float, int, Any]] = {}


async def _memo(key: tuple[Any, ...], ask: Any) -> Any:
    """The version for `key`, asked anew after FRESH_S or after a commit here."""
    hit = _checked.get(key)
    clock = time.monotonic()
    if hit and hit[1] == tx.commits and clock - hit[0] < FRESH_S:
        return hit[2]
    value = await ask()
    if len(_checked) > MAX_FEEDS * 4:
        _checked.clear()
    _checked[key] = (clock, tx.commits, value)
    return value


def clear_caches() -> None:
    _feeds.clear()
    _events.clear()
    _checked.clear()


def _remember(cache: OrderedDict[Any, Any], key: Any, value: Any, limit: int) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > limit:
        cache.popitem(last=False)


def sequence_for(g: dict[str, Any], earlier_cancelled: int, cancelling: bool) -> int:
    """A person's SEQUENCE for a gathering: the gathering's, plus two for each of their
    earlier cancelled registrations, plus one while their own registration is cancelled
    (the same numbers their invitation mails carry)."""
    bump = 1 if cancelling and g["status"] != "cancelled" else 0
    return int(g["sequence"]) + 2 * earlier_cancelled + bump


def uid_for(gathering_id: int, base_url: str) -> str:
    return f"gathering-{gathering_id}@{urlsplit(base_url).hostname or 'samling'}"


def location(g: dict[str, Any]) -> str:
    return ", ".join(p for p in (g["venue"], g["address"], g["city"]) if p)


def organizer_of(mail_from: str, network_name: str = "") -> tuple[str, str]:
    """(CN, mailto:) for ORGANIZER: the programme's sender address, named by network."""
    name, address = parseaddr(mail_from)
    return (network_name or name or "Samling", f"mailto:{address}")


def event_data(
    g: dict[str, Any],
    programme: list[dict[str, Any]],
    base_url: str,
    language: str,
    status: str,
    mail_from: str,
) -> ics.EventData:
    url = f"{base_url}/gatherings/{g['id']}"
    organizer_name, organizer = organizer_of(mail_from, g.get("network.name") or "")
    return ics.EventData(
        uid=uid_for(g["id"], base_url),
        title=g["title"],
        description=ics.describe(g["description"], programme, url, language),
        starts_at=g["starts_at"],
        ends_at=g["ends_at"],
        created_at=g["created_at"],
        updated_at=g["updated_at"],
        sequence=g["sequence"],
        status=status,
        location=location(g),
        url=url,
        latitude=g["latitude"],
        longitude=g["longitude"],
        categories=g.get("network.name") or "",
        organizer=organizer,
        organizer_name=organizer_name,
    )


def _status(g: dict[str, Any], tentative: bool = False) -> str:
    if g["status"] == "cancelled":
        return "CANCELLED"
    if g["status"] == "draft" or tentative:
        return "TENTATIVE"
    return "CONFIRMED"


async def _programmes(ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    rows = (
        await ProgrammeItem.select()
        .where(ProgrammeItem.gathering.is_in(ids or [-1]))
        .order_by(ProgrammeItem.starts_at)
    )
    for p in rows:
        out.setdefault(p["gathering"], []).append(p)
    return out


def _piece_key(g: dict[str, Any], status: str, language: str, base_url: str, mail_from: str) -> str:
    """Everything a VEVENT is rendered from (the row's updated_at covers its programme;
    the language's texts from the catalogs cover a changed translation)."""
    parts = (
        g["id"],
        str(g["updated_at"]),
        g["sequence"],
        status,
        language,
        ics.texts(language),
        base_url,
        mail_from,
        g.get("network.name") or "",
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


async def _event_pieces(
    rows: list[tuple[dict[str, Any], str]], base_url: str, language: str, mail_from: str
) -> list[bytes]:
    """Rendered VEVENTs for (gathering row, status) pairs: from this process's cache,
    else from the stored pieces, else rendered now and stored for every process."""
    keys = [_piece_key(g, status, language, base_url, mail_from) for g, status in rows]
    pieces: dict[str, bytes] = {k: _events[k] for k in keys if k in _events}
    wanted = [k for k in keys if k not in pieces]
    if wanted:
        for i in range(0, len(wanted), 500):
            stored = await IcsPiece.select(IcsPiece.key, IcsPiece.body).where(
                IcsPiece.key.is_in(wanted[i : i + 500])
            )
            pieces.update({r["key"]: bytes(r["body"]) for r in stored})
    missing = [(row, k) for row, k in zip(rows, keys, strict=True) if k not in pieces]
    if missing:
        programmes = await _programmes([g["id"] for (g, _), _ in missing])
        fresh = []
        for (g, status), key in missing:
            data = event_data(g, programmes.get(g["id"], []), base_url, language, status, mail_from)
            pieces[key] = ics.event_bytes(data, language)
            fresh.append(IcsPiece(key=key, body=pieces[key]))
        await _store(fresh)
    for k in keys:
        _remember(_events, k, pieces[k], MAX_EVENTS)
    return [pieces[k] for k in keys]


async def _store(fresh: list[IcsPiece]) -> None:
    """Keep rendered pieces; a piece someone else stored meanwhile is the same bytes."""
    try:
        async with tx.atomic():
            for i in range(0, len(fresh), 200):
                await IcsPiece.insert(*fresh[i : i + 200]).on_conflict(
                    target=IcsPiece.key, action="DO NOTHING"
                )
    except Exception as exc:  # a cache: failing to keep it must not fail the feed
        log.warning("could not store calendar pieces", error=repr(exc))


async def forget_old_pieces(days: int = 30) -> int:
    """Drop stored pieces older than `days` (they are re-rendered if still needed)."""
    async with tx.atomic():
        gone = await (
            IcsPiece.delete()
            .where(IcsPiece.created_at < now() - timedelta(days=days))
            .returning(IcsPiece.id)
        )
    return len(gone)


def _in_window(g: dict[str, Any], t: datetime) -> bool:
    if g["ends_at"] < t - PAST:
        return False
    if g["status"] == "cancelled":
        return g["cancelled_at"] is not None and g["cancelled_at"] >= t - CANCELLED_KEPT
    return True


def _finish(body: bytes, stamps: list[datetime]) -> Feed:
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    last = max(stamps) if stamps else datetime(2000, 1, 1, tzinfo=UTC)
    stamp = last.astimezone(UTC).replace(microsecond=0)
    return Feed(body, etag, stamp, format_datetime(stamp, usegmt=True))


# --- versions: one cheap query each -------------------------------------------------------


async def _scalar_row(sql: str, *args: Any) -> dict[str, Any] | None:
    rows = await engine().run_querystring(_qs(sql, *args))
    return rows[0] if rows else None


def _qs(sql: str, *args: Any) -> Any:
    from piccolo.querystring import QueryString

    return QueryString(sql, *args)


async def public_version(network_slug: str | None) -> tuple[Any, ...] | None:
    """(stamp, count, day, network name); None for an unknown network."""
    if network_slug is None:
        row = await _scalar_row(
            "SELECT max(updated_at) AS v, count(*) AS n FROM gathering WHERE status <> 'draft'"
        )
        assert row is not None
        return (str(row["v"]), row["n"], now().date().isoformat(), None)
    row = await _scalar_row(
        "SELECT max(g.updated_at) AS v, count(g.id) AS n, max(n.name) AS name "
        "FROM network n LEFT JOIN gathering g ON g.network = n.id AND g.status <> 'draft' "
        "WHERE n.slug = {}",
        network_slug,
    )
    if row is None or row.get("name") is None:
        return None
    return (str(row["v"]), row["n"], now().date().isoformat(), row["name"])


async def personal_version(token_hash: str) -> tuple[int, tuple[Any, ...]] | None:
    user_col = '"user"' if engine().engine_type == "postgres" else "user"
    row = await _scalar_row(
        f"SELECT t.{user_col} AS uid, u.language AS lang, "  # noqa: S608 - no user input
        "(SELECT max(updated_at) FROM gathering) AS g, (SELECT count(*) FROM gathering) AS gn, "
        f"(SELECT max(updated_at) FROM registration r WHERE r.{user_col} = t.{user_col}) AS r, "
        f"(SELECT count(*) FROM registration r WHERE r.{user_col} = t.{user_col}) AS rn, "
        f"(SELECT count(*) FROM role_grant rg WHERE rg.{user_col} = t.{user_col}) AS roles "
        f"FROM calendar_token t JOIN samling_user u ON u.id = t.{user_col} "
        "WHERE t.token_hash = {} AND t.revoked_at IS NULL AND u.active = {}",
        token_hash,
        True,
    )
    if row is None:
        return None
    version = (str(row["g"]), row["gn"], str(row["r"]), row["rn"], row["roles"], row["lang"])
    return int(row["uid"]), (*version, now().date().isoformat())


# --- feeds -------------------------------------------------------------------------------


def _columns() -> list[Any]:
    return [*Gathering.all_columns(), Gathering.network.slug, Gathering.network.name]


async def public_feed(
    network_slug: str | None, default_name: str, base_url: str, language: str, mail_from: str
) -> Feed | None:
    """The feed of one network (or all when None); None for an unknown network."""
    version = await _memo(("public", network_slug), lambda: public_version(network_slug))
    if version is None:
        return None
    network_name = version[3] or default_name
    key = ("public", network_slug, language, base_url)
    cached = _feeds.get(key)
    if cached and cached[0] == version:
        return cached[1]
    query = Gathering.select(*_columns()).where(Gathering.status.is_in(PUBLIC_STATES))
    if network_slug:
        query = query.where(Gathering.network.slug == network_slug)
    t = now()
    rows = [g for g in await query.order_by(Gathering.starts_at, Gathering.id) if _in_window(g, t)]
    pieces = await _event_pieces([(g, _status(g)) for g in rows], base_url, language, mail_from)
    feed = _finish(ics.assemble(network_name, pieces), [g["updated_at"] for g in rows])
    _remember(_feeds, key, (version, feed), MAX_FEEDS)
    return feed


async def gathering_feed(g: dict[str, Any], base_url: str, language: str, mail_from: str) -> Feed:
    pieces = await _event_pieces([(g, _status(g))], base_url, language, mail_from)
    return _finish(ics.assemble(g["title"], pieces), [g["updated_at"]])


async def personal_feed(token_hash: str, base_url: str, mail_from: str) -> Feed | None:
    found = await _memo(("personal", token_hash), lambda: personal_version(token_hash))
    if found is None:
        return None
    user_id, version = found
    language = version[5] or "nb"
    key = ("personal", token_hash, base_url)
    cached = _feeds.get(key)
    if cached and cached[0] == version:
        return cached[1]
    t = now()
    regs = (
        await Registration.select(
            Registration.id, Registration.gathering, Registration.status, Registration.updated_at
        )
        .where(Registration.user == user_id)
        .order_by(Registration.id)
    )
    mine: dict[int, dict[str, Any]] = {}
    cancelled_before: dict[int, int] = {}  # earlier cancelled registrations, as in mails
    for r in regs:  # the newest registration per gathering wins
        if r["gathering"] in mine and mine[r["gathering"]]["status"] == "cancelled":
            cancelled_before[r["gathering"]] = cancelled_before.get(r["gathering"], 0) + 1
        mine[r["gathering"]] = r
    networks = [
        r["network"]
        for r in await RoleGrant.select(RoleGrant.network).where(
            (RoleGrant.user == user_id) & (RoleGrant.role == "coordinator")
        )
    ]
    condition: Any = Gathering.id.is_in(list(mine) or [-1])
    if networks:
        condition = condition | Gathering.network.is_in(networks)
    rows = [
        g
        for g in await Gathering.select(*_columns()).where(condition).order_by(Gathering.starts_at)
        if _in_window(g, t)
    ]
    chosen: list[tuple[dict[str, Any], str]] = []
    deadlines: list[bytes] = []
    for g in rows:
        reg = mine.get(g["id"])
        coordinated = g["network"] in networks
        if reg is not None and not coordinated:
            if reg["status"] == "cancelled":
                if reg["updated_at"] < t - CANCELLED_KEPT:
                    continue
                status = "CANCELLED"
            else:
                status = _status(g, tentative=reg["status"] == "waitlisted")
            # the registration's own changes must show: fold them into the stamp
            g = {**g, "updated_at": max(g["updated_at"], reg["updated_at"])}
            g = {
                **g,
                "sequence": sequence_for(
                    g, cancelled_before.get(g["id"], 0), reg["status"] == "cancelled"
                ),
            }
        else:
            tentative = reg is not None and reg["status"] == "waitlisted"
            status = _status(g, tentative=tentative)
            closes = g["registration_closes_at"] or g["starts_at"]
            deadlines.append(
                ics.deadline_bytes(
                    organizer_of(mail_from, g.get("network.name") or ""),
                    f"deadline-{g['id']}@{urlsplit(base_url).hostname or 'samling'}",
                    g["title"],
                    closes.astimezone(OSLO).date(),
                    g["updated_at"],
                    g["created_at"],
                    g["sequence"],
                    f"{base_url}/gatherings/{g['id']}",
                    language,
                    cancelled=g["status"] == "cancelled",
                )
            )
        chosen.append((g, status))
    pieces = await _event_pieces(chosen, base_url, language, mail_from)
    with i18n.use(language):
        name = i18n.gettext("My gatherings")
    feed = _finish(ics.assemble(name, pieces + deadlines), [g["updated_at"] for g, _ in chosen])
    _remember(_feeds, key, (version, feed), MAX_FEEDS)
    return feed
