"""User administration: find people, change their roles, deactivate and reactivate them.

A deactivated account is one that is not active although it was approved once
(`approved_at` is set): nobody can sign in to it (no login link is mailed, a session or
an API token of it is refused, since `service.load_user` loads active users only), a
sign-up with its address sends nothing and cannot activate it, and nobody approves it
again by mistake. Its data (registrations, claims, audit trail) stays as it is.
An administrator can neither take away their own administrator role nor deactivate
themselves, so there is always someone left to undo a change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from service.accounts import service
from service.accounts.identity import CurrentUser
from service.db.tables import Claim, LoginToken, Municipality, Registration, RoleGrant, User
from service.db.tx import atomic, is_sqlite
from service.lib.audit import record
from service.lib.errors import Conflict, NotFound

PER_PAGE = 25


@dataclass(frozen=True)
class UserRow:
    id: int
    email: str
    name: str
    municipality: str | None  # SSB number
    municipality_name: str | None
    language: str
    active: bool
    status: str  # active | pending_approval | unconfirmed | disabled
    roles: list[str]
    last_login_at: datetime | None
    created_at: datetime | None


@dataclass(frozen=True)
class UserPage:
    users: list[UserRow]
    total: int
    page: int
    pages: int


def status_of(row: dict[str, Any]) -> str:
    if row["active"]:
        return "active"
    if row["approved_at"] is not None:
        return "disabled"
    if row["email_confirmed_at"] is not None:
        return "pending_approval"
    return "unconfirmed"


COLUMNS = (
    User.id,
    User.email,
    User.name,
    User.language,
    User.active,
    User.approved_at,
    User.email_confirmed_at,
    User.last_login_at,
    User.created_at,
    User.municipality.number,
    User.municipality.name,
)


async def _roles(user_ids: list[int]) -> dict[int, list[str]]:
    rows = await RoleGrant.select(RoleGrant.user, RoleGrant.role, RoleGrant.network.slug).where(
        RoleGrant.user.is_in(user_ids or [-1])
    )
    out: dict[int, list[str]] = {uid: [] for uid in user_ids}
    for r in rows:
        name = f"coordinator:{r['network.slug']}" if r["role"] == "coordinator" else r["role"]
        out.setdefault(r["user"], []).append(name)
    return {uid: sorted(roles) for uid, roles in out.items()}


def _row(r: dict[str, Any], roles: list[str]) -> UserRow:
    return UserRow(
        id=int(r["id"]),
        email=r["email"],
        name=r["name"],
        municipality=r["municipality.number"],
        municipality_name=r["municipality.name"],
        language=r["language"],
        active=bool(r["active"]),
        status=status_of(r),
        roles=roles,
        last_login_at=r["last_login_at"],
        created_at=r["created_at"],
    )


def contains(column: Any, pattern: str) -> Any:
    """Case-insensitive LIKE: ILIKE on PostgreSQL; SQLite's LIKE already ignores case."""
    return column.like(pattern) if is_sqlite() else column.ilike(pattern)


def _matching(q: str) -> Any:
    """Name, e-mail address, municipality name or number containing `q`."""
    like = f"%{q}%"
    return (
        contains(User.name, like)
        | contains(User.email, like)
        | contains(User.municipality.name, like)
        | (User.municipality.number == q)
    )


STATUSES = ("active", "pending_approval", "unconfirmed", "disabled")


def _in_status(status: str) -> Any:
    inactive = User.active == False  # noqa: E712
    if status == "active":
        return User.active == True  # noqa: E712
    if status == "disabled":
        return inactive & User.approved_at.is_not_null()
    unapproved = inactive & User.approved_at.is_null()
    if status == "pending_approval":
        return unapproved & User.email_confirmed_at.is_not_null()
    return unapproved & User.email_confirmed_at.is_null()


async def search_users(
    q: str = "", page: int = 1, per_page: int = PER_PAGE, status: str = ""
) -> UserPage:
    """People whose name, address or municipality matches `q` (all when empty), and
    who are in `status` (any when empty or unknown), by name."""
    q = q.strip()[:100]
    where = _matching(q) if q else None
    if status in STATUSES:
        where = _in_status(status) if where is None else where & _in_status(status)
    count = User.count()
    if where is not None:
        count = count.where(where)
    total = int(await count)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    query = (
        User.select(*COLUMNS)
        .order_by(User.name)
        .order_by(User.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    if where is not None:
        query = query.where(where)
    rows = await query
    roles = await _roles([r["id"] for r in rows])
    return UserPage([_row(r, roles[r["id"]]) for r in rows], total, page, pages)


async def get_user(user_id: int) -> UserRow:
    row = await User.select(*COLUMNS).where(User.id == user_id).first()
    if row is None:
        raise NotFound("No user with id {id}", params={"id": user_id})
    return _row(row, (await _roles([user_id]))[user_id])


async def counts() -> dict[str, int]:
    """For the admin's overview: users in all, and in each status."""
    out = {"users": int(await User.count())}
    for status in STATUSES:
        out[status] = int(await User.count().where(_in_status(status)))
    return out


async def activity(user_id: int) -> dict[str, int]:
    """What is kept of a person (registrations and claims), shown on their page."""
    return {
        "registrations": int(await Registration.count().where(Registration.user == user_id)),
        "claims": int(await Claim.count().where(Claim.claimant == user_id)),
    }


async def _lock(user_id: int) -> dict[str, Any] | None:
    query = User.select().where(User.id == user_id)
    if not is_sqlite():
        query = query.lock_rows()
    return await query.first()


async def _set_roles(actor: CurrentUser, user_id: int, roles: list[str]) -> None:
    wanted = set()
    for role, network_id in await service.parse_roles(roles):
        wanted.add((role, network_id))
    grants = await RoleGrant.select(
        RoleGrant.id, RoleGrant.role, RoleGrant.network, RoleGrant.network.slug
    ).where(RoleGrant.user == user_id)
    for g in grants:
        if (g["role"], g["network"]) in wanted:
            continue
        await RoleGrant.delete().where(RoleGrant.id == g["id"])
        name = f"coordinator:{g['network.slug']}" if g["role"] == "coordinator" else g["role"]
        await record(actor.email, "role.revoke", "user", user_id, before={"role": name})
    await service.grant_roles(user_id, roles, actor.email)


async def update_user(
    actor: CurrentUser,
    user_id: int,
    *,
    roles: list[str] | None = None,
    active: bool | None = None,
    base_url: str = "",
) -> UserRow:
    """Set a person's roles (the whole set; participant is implicit) and/or whether the
    account is active. One transaction; every change is in the audit log."""
    if user_id == actor.id:
        if roles is not None and "admin" not in roles:
            raise Conflict("You cannot remove your own administrator role", field="roles")
        if active is False:
            raise Conflict("You cannot deactivate your own account", field="active")
    async with atomic():
        row = await _lock(user_id)
        if row is None:
            raise NotFound("No user with id {id}", params={"id": user_id})
        if roles is not None:
            await _set_roles(actor, user_id, roles)
        if active is False and status_of(row) != "disabled":
            at = datetime.now(UTC)
            await User.update(
                {User.active: False, User.approved_at: row["approved_at"] or at}
            ).where(User.id == user_id)
            # Links already mailed die with the account (they would be refused anyway).
            await LoginToken.update({LoginToken.used_at: at}).where(
                (LoginToken.user == user_id) & LoginToken.used_at.is_null()
            )
            await record(
                actor.email,
                "user.deactivate",
                "user",
                user_id,
                before={"status": status_of(row)},
                after={"status": "disabled"},
            )
        elif active is True and not row["active"]:
            if status_of(row) == "pending_approval":
                await service.approve(actor, user_id, base_url)  # mails the person
            else:
                await User.update(
                    {User.active: True, User.approved_at: row["approved_at"] or datetime.now(UTC)}
                ).where(User.id == user_id)
                await record(
                    actor.email,
                    "user.reactivate",
                    "user",
                    user_id,
                    before={"status": status_of(row)},
                    after={"status": "active"},
                )
    return await get_user(user_id)


async def municipality_choices() -> list[tuple[str, str]]:
    """(number, "name (number)") for the add-a-user form, by name."""
    rows = await Municipality.select(Municipality.number, Municipality.name).order_by(
        Municipality.name
    )
    return [(r["number"], f"{r['name']} ({r['number']})") for r in rows]
