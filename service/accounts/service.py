"""Users, roles, login links, sign-up and API tokens: the rules, no HTTP."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from service.accounts.identity import CurrentUser
from service.accounts.secrets import hash_secret, new_secret
from service.db.tables import (
    ApiToken,
    CampaignRecipient,
    LoginToken,
    Municipality,
    MunicipalityDomain,
    Network,
    NetworkMembership,
    RoleGrant,
    User,
)
from service.db.tx import atomic
from service.lib import i18n
from service.lib.audit import record
from service.lib.errors import Conflict, Invalid, NotFound
from service.lib.i18n import LANGUAGES
from service.networks.service import municipality_id
from service.outbox.service import enqueue_mail

LINK_MINUTES = 15
EMAIL_RE = re.compile(r"^[^@\s]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
TOKEN_TOUCH_EVERY = timedelta(seconds=60)


def now() -> datetime:
    return datetime.now(UTC)


def normalize_email(email: str) -> str:
    value = email.strip().lower()
    if len(value) > 254 or not EMAIL_RE.match(value):
        raise Invalid("{email!r} is not an e-mail address", field="email", params={"email": email})
    return value


# --- roles --------------------------------------------------------------------------


async def parse_roles(roles: list[str]) -> list[tuple[str, int | None]]:
    """'admin' | 'finance' | 'coordinator:<slug>' (| 'participant', implicit)."""
    out: list[tuple[str, int | None]] = []
    for role in roles:
        if role == "participant":
            continue
        if role in ("admin", "finance"):
            out.append((role, None))
            continue
        kind, _, slug = role.partition(":")
        if kind != "coordinator" or not slug:
            raise Invalid(
                "unknown role {role!r}: use admin, finance or coordinator:<network>",
                field="roles",
                params={"role": role},
            )
        network = await Network.select(Network.id).where(Network.slug == slug).first()
        if network is None:
            raise Invalid(
                "role {role!r}: no network with slug {slug!r}",
                field="roles",
                params={"role": role, "slug": slug},
            )
        out.append(("coordinator", network["id"]))
    return out


async def roles_of(user_id: int) -> list[str]:
    rows = await RoleGrant.select(RoleGrant.role, RoleGrant.network.slug).where(
        RoleGrant.user == user_id
    )
    return sorted(
        f"coordinator:{r['network.slug']}" if r["role"] == "coordinator" else r["role"]
        for r in rows
    )


async def grant_roles(user_id: int, roles: list[str], actor: str) -> None:
    existing = set(await roles_of(user_id))
    for role, network_id in await parse_roles(roles):
        name = role
        if network_id is not None:
            slug = await Network.select(Network.slug).where(Network.id == network_id).first()
            name = f"coordinator:{slug['slug'] if slug else ''}"
        if name in existing:
            continue
        await RoleGrant.insert(
            RoleGrant(user=user_id, role=role, network=network_id, granted_by=actor)
        )
        existing.add(name)
        await record(actor, "role.grant", "user", user_id, after={"role": name})


# --- users --------------------------------------------------------------------------


async def create_user(
    email: str,
    name: str,
    municipality: str | None,
    roles: list[str],
    actor: str,
    language: str = "nb",
) -> int:
    address = normalize_email(email)
    if not name.strip():
        raise Invalid("name must not be empty", field="name")
    async with atomic():
        if await User.exists().where(User.email == address):
            raise Conflict(
                "a user with e-mail {address} already exists", params={"address": address}
            )
        rows = await User.insert(
            User(
                email=address,
                name=name.strip(),
                municipality=await municipality_id(municipality),
                language=language,
                active=True,
                approved_at=now(),
            )
        )
        user_id = int(rows[0]["id"])
        await grant_roles(user_id, roles, actor)
        await record(actor, "user.create", "user", user_id, after={"email": address})
    return user_id


async def load_user(user_id: int) -> CurrentUser | None:
    row = (
        await User.select(
            User.id,
            User.email,
            User.name,
            User.language,
            User.active,
            User.municipality,
            User.municipality.number,
        )
        .where(User.id == user_id)
        .first()
    )
    if row is None or not row["active"]:
        return None
    return CurrentUser(
        id=row["id"],
        email=row["email"],
        name=row["name"],
        language=row["language"],
        municipality_id=row["municipality"],
        municipality_number=row["municipality.number"],
        roles=frozenset(await roles_of(row["id"])),
    )


PHONE_RE = re.compile(r"^(?:\+47|0047)?([2-9]\d{7})$")


def normalise_phone(value: str) -> str | None:
    """A Norwegian number (8 digits, +47 or 0047 optional, spaces, dots and dashes
    allowed) as +47XXXXXXXX; "" clears it (None). Invalid on the `phone` field."""
    compact = re.sub(r"[\s.\-()]", "", value)
    if not compact:
        return None
    match = PHONE_RE.match(compact)
    if match is None:
        raise Invalid(
            "Write a Norwegian phone number: 8 digits, +47 in front if you like", field="phone"
        )
    return "+47" + match.group(1)


async def contact_of(user_id: int) -> dict[str, Any]:
    """{"phone": …, "listed": …}: the directory fields of a user."""
    row = await User.select(User.phone, User.listed).where(User.id == user_id).first()
    return {"phone": row["phone"], "listed": bool(row["listed"])} if row else {}


async def update_profile(
    user: CurrentUser,
    *,
    name: str | None = None,
    language: str | None = None,
    phone: str | None = None,
    listed: bool | None = None,
) -> CurrentUser:
    """Change one's own name, language, phone ("" clears it) or consent to be listed in
    the public coordinator directory (one transaction, audited); returns the fresh user."""
    changes: dict[Any, Any] = {}
    after: dict[str, Any] = {}
    if phone is not None:
        changes[User.phone] = after["phone"] = normalise_phone(phone)
    if listed is not None:
        changes[User.listed] = after["listed"] = listed
    if name is not None:
        if not name.strip():
            raise Invalid("name must not be blank", field="name")
        changes[User.name] = after["name"] = name.strip()
    if language is not None:
        if language not in LANGUAGES:
            raise Invalid("language must be one of nb, nn, en", field="language")
        changes[User.language] = after["language"] = language
    if changes:
        async with atomic():
            await User.update(changes).where(User.id == user.id)
            await record(user.email, "user.update", "user", user.id, after=after)
    fresh = await load_user(user.id)
    if fresh is None:
        raise NotFound("No such user")
    return fresh


async def user_id_by_email(email: str) -> int | None:
    row = await User.select(User.id).where(User.email == email.strip().lower()).first()
    return int(row["id"]) if row else None


def user_json(user: CurrentUser) -> dict[str, Any]:
    return {
        "id": str(user.id),
        "email": user.email,
        "name": user.name,
        "municipality": user.municipality_number,
        "language": user.language,
        "roles": sorted(user.roles),
    }


async def list_users(status: str | None = None) -> list[dict[str, Any]]:
    query = User.select(
        User.id,
        User.email,
        User.name,
        User.active,
        User.language,
        User.email_confirmed_at,
        User.approved_at,
        User.municipality.number,
    ).order_by(User.email)
    if status == "pending":
        query = query.where(
            (User.active == False) & User.email_confirmed_at.is_not_null()  # noqa: E712
        )
    rows = await query
    out = []
    for r in rows:
        out.append(
            {
                "id": str(r["id"]),
                "email": r["email"],
                "name": r["name"],
                "municipality": r["municipality.number"],
                "language": r["language"],
                "active": r["active"],
                "status": _status(r),
                "roles": await roles_of(r["id"]),
            }
        )
    return out


def _status(row: dict[str, Any]) -> str:
    if row["active"]:
        return "active"
    if row["approved_at"] is not None:  # approved once, then deactivated
        return "disabled"
    if row["approved_at"] is None and row["email_confirmed_at"] is not None:
        return "pending_approval"
    if row["email_confirmed_at"] is None:
        return "unconfirmed"
    return "disabled"


# --- login links and sign-up ----------------------------------------------------------


async def _issue_link(user_id: int, purpose: str) -> str:
    secret = new_secret()
    await LoginToken.insert(
        LoginToken(
            token_hash=hash_secret(secret),
            user=user_id,
            purpose=purpose,
            expires_at=now() + timedelta(minutes=LINK_MINUTES),
        )
    )
    return secret


def login_url(base_url: str, secret: str, next_path: str | None = None) -> str:
    """The link in the mail. `next_path` (a local path the caller has checked) rides
    along for the sign-in page, which checks it again before it is followed."""
    url = f"{base_url}/auth/login?token={secret}"
    return f"{url}&next={quote(next_path, safe='/')}" if next_path else url


async def send_login_link(email: str, base_url: str, next_path: str | None = None) -> None:
    """Mail a one-time link to an active user; unknown addresses get nothing."""
    try:
        address = normalize_email(email)
    except Invalid:
        return
    async with atomic():
        row = await User.select().where((User.email == address) & (User.active == True)).first()  # noqa: E712
        if row is None:
            return
        secret = await _issue_link(row["id"], "login")
        await enqueue_mail(
            "login_link",
            address,
            row["language"],
            {
                "name": row["name"],
                "url": login_url(base_url, secret, next_path),
                "minutes": LINK_MINUTES,
            },
        )


async def create_login_link(email: str, base_url: str) -> str:
    """For the CLI: a link for an active user, without mail."""
    address = normalize_email(email)
    async with atomic():
        row = await User.select().where(User.email == address).first()
        if row is None:
            raise NotFound("no user with e-mail {address}", params={"address": address})
        if not row["active"]:
            raise Conflict("the account {address} is not active", params={"address": address})
        return login_url(base_url, await _issue_link(row["id"], "login"))


async def signup(
    email: str, name: str, municipality: str, base_url: str, language: str | None = None
) -> None:
    """Register and mail a confirmation link. Existing active users get a login link.

    The new account takes the language the visitor signed up in (the page's, else bokmål).
    """
    address = normalize_email(email)
    language = i18n.normalize(language) or i18n.current()
    if not name.strip():
        raise Invalid("name must not be empty", field="name")
    mid = await municipality_id(municipality)
    async with atomic():
        row = await User.select().where(User.email == address).first()
        if row is not None:
            if row["active"]:
                secret = await _issue_link(row["id"], "login")
                await enqueue_mail(
                    "login_link",
                    address,
                    row["language"],
                    {
                        "name": row["name"],
                        "url": login_url(base_url, secret),
                        "minutes": LINK_MINUTES,
                    },
                )
                return
            if row["email_confirmed_at"] is not None or row["approved_at"] is not None:
                return  # waiting for approval, or deactivated; nothing new to send
            user_id = int(row["id"])
            # Not confirmed yet: the newest request decides, and older links die.
            await User.update(
                {User.name: name.strip(), User.municipality: mid, User.language: language}
            ).where(User.id == user_id)
            await LoginToken.update({LoginToken.used_at: now()}).where(
                (LoginToken.user == user_id)
                & (LoginToken.purpose == "signup")
                & LoginToken.used_at.is_null()
            )
        else:
            rows = await User.insert(
                User(
                    email=address,
                    name=name.strip(),
                    municipality=mid,
                    active=False,
                    language=language,
                )
            )
            user_id = int(rows[0]["id"])
            await record(
                address, "user.signup", "user", user_id, after={"municipality": municipality}
            )
        secret = await _issue_link(user_id, "signup")
        await enqueue_mail(
            "signup_confirm",
            address,
            language,
            {"name": name.strip(), "url": login_url(base_url, secret), "minutes": LINK_MINUTES},
        )


async def _domain_matches(user_row: dict[str, Any]) -> bool:
    domain = user_row["email"].rpartition("@")[2]
    if user_row["municipality"] is None:
        return False
    return await MunicipalityDomain.exists().where(
        (MunicipalityDomain.domain == domain)
        & (MunicipalityDomain.municipality == user_row["municipality"])
    )


async def _selected_contact(user_row: dict[str, Any]) -> bool:
    """The person a network selected from an invitation's replies: the contact the
    municipality named, signing up for that municipality (the selection approved them)."""
    if user_row["municipality"] is None:
        return False
    rows = await CampaignRecipient.select(CampaignRecipient.reply).where(
        (CampaignRecipient.municipality == user_row["municipality"])
        & (CampaignRecipient.status == "selected")
    )
    for r in rows:
        reply = json.loads(r["reply"]) if isinstance(r["reply"], str) else r["reply"]
        if isinstance(reply, dict) and reply.get("contact_email", "") == user_row["email"]:
            return True
    return False


async def approvers_of(municipality: int | None) -> list[dict[str, Any]]:
    """Active admins and coordinators of networks the municipality is a member of (an
    "interest" a participant expressed is not enough)."""
    network_ids = [
        r["network"]
        for r in await NetworkMembership.select(NetworkMembership.network).where(
            (NetworkMembership.municipality == municipality)
            & (NetworkMembership.status == "member")
        )
    ]
    grants: Any = RoleGrant.role == "admin"
    if network_ids:
        grants = grants | ((RoleGrant.role == "coordinator") & RoleGrant.network.is_in(network_ids))
    rows = await RoleGrant.select(
        RoleGrant.user.id, RoleGrant.user.email, RoleGrant.user.name, RoleGrant.user.language
    ).where(grants & (RoleGrant.user.active == True))  # noqa: E712
    unique = {r["user.id"]: r for r in rows}
    return list(unique.values())


async def link_is_usable(secret: str) -> bool:
    """Whether a one-time link would still work, without spending it (its page shows a
    button; mail scanners that open the link must not use it up)."""
    if not secret:
        return False
    token = (
        await LoginToken.select(LoginToken.used_at, LoginToken.expires_at)
        .where(LoginToken.token_hash == hash_secret(secret))
        .first()
    )
    return token is not None and token["used_at"] is None and token["expires_at"] > now()


async def consume_link(secret: str, base_url: str) -> tuple[str, int | None]:
    """Use a one-time link. Returns (outcome, user id to sign in or None).

    outcome: 'login' | 'activated' | 'pending'. Raises NotFound for an unknown, used
    or expired link."""
    async with atomic():
        token = (
            await LoginToken.select().where(LoginToken.token_hash == hash_secret(secret)).first()
        )
        if token is None or token["used_at"] is not None or token["expires_at"] <= now():
            raise NotFound("This link is unknown, already used or expired")
        claimed = (
            await LoginToken.update({LoginToken.used_at: now()})
            .where((LoginToken.id == token["id"]) & LoginToken.used_at.is_null())
            .returning(LoginToken.id)
        )
        if not claimed:
            raise NotFound("This link is unknown, already used or expired")
        user = await User.select().where(User.id == token["user"]).first()
        if user is None:
            raise NotFound("This link is unknown, already used or expired")
        if token["purpose"] == "login":
            if not user["active"]:
                raise NotFound("This account is not active")
            await User.update({User.last_login_at: now()}).where(User.id == user["id"])
            return "login", int(user["id"])
        # sign-up confirmation
        await User.update({User.email_confirmed_at: now()}).where(User.id == user["id"])
        if user["active"]:
            return "login", int(user["id"])
        if user["approved_at"] is not None:  # deactivated: only an admin reactivates it
            raise NotFound("This account is not active")
        by = (
            "domain"
            if await _domain_matches(user)
            else "campaign"
            if await _selected_contact(user)
            else None
        )
        if by is not None:
            await User.update(
                {User.active: True, User.approved_at: now(), User.last_login_at: now()}
            ).where(User.id == user["id"])
            await record(user["email"], "user.activate", "user", user["id"], after={"by": by})
            return "activated", int(user["id"])
        muni = (
            await Municipality.select(Municipality.name)
            .where(Municipality.id == user["municipality"])
            .first()
        )
        for approver in await approvers_of(user["municipality"]):
            await enqueue_mail(
                "approval_needed",
                approver["user.email"],
                approver["user.language"],
                {
                    "name": approver["user.name"],
                    "applicant_name": user["name"],
                    "applicant_email": user["email"],
                    "municipality": muni["name"] if muni else "",
                    "url": f"{base_url}/api/v1/approvals",
                },
                idempotency_key=f"approval_needed:{user['id']}:{approver['user.id']}",
            )
        return "pending", None


async def may_approve(actor: CurrentUser, user_row: dict[str, Any]) -> bool:
    if actor.is_admin:
        return True
    approvers = await approvers_of(user_row["municipality"])
    return any(a["user.id"] == actor.id for a in approvers)


async def pending_for(actor: CurrentUser) -> list[dict[str, Any]]:
    rows = await User.select().where(
        (User.active == False) & User.email_confirmed_at.is_not_null() & User.approved_at.is_null()  # noqa: E712
    )
    out = []
    for r in rows:
        if await may_approve(actor, r):
            muni = (
                await Municipality.select(Municipality.number)
                .where(Municipality.id == r["municipality"])
                .first()
            )
            out.append(
                {
                    "id": str(r["id"]),
                    "email": r["email"],
                    "name": r["name"],
                    "municipality": muni["number"] if muni else None,
                    "status": "pending_approval",
                }
            )
    return out


async def approve(actor: CurrentUser, user_id: int, base_url: str) -> None:
    async with atomic():
        row = await User.select().where(User.id == user_id).first()
        if (
            row is None
            or row["active"]
            or row["email_confirmed_at"] is None
            or row["approved_at"] is not None  # deactivated, not waiting
            or not await may_approve(actor, row)
        ):
            raise NotFound("No pending account with that id that you may approve")
        await User.update({User.active: True, User.approved_at: now()}).where(User.id == user_id)
        await record(actor.email, "user.approve", "user", user_id)
        await enqueue_mail(
            "account_approved",
            row["email"],
            row["language"],
            {"name": row["name"], "url": f"{base_url}/login"},
            idempotency_key=f"account_approved:{user_id}",
        )


# --- API tokens -----------------------------------------------------------------------


async def create_api_token(user_id: int, label: str, actor: str) -> dict[str, Any]:
    secret = new_secret("sam_")
    async with atomic():
        rows = await ApiToken.insert(
            ApiToken(
                user=user_id,
                label=label.strip()[:100],
                token_hash=hash_secret(secret),
                prefix=secret[:12],
            )
        )
        token_id = rows[0]["id"]
        await record(actor, "token.create", "api_token", token_id, after={"label": label})
    return {"id": str(token_id), "label": label, "token": secret, "prefix": secret[:12]}


async def list_api_tokens(user_id: int) -> list[dict[str, Any]]:
    rows = (
        await ApiToken.select()
        .where((ApiToken.user == user_id) & ApiToken.revoked_at.is_null())
        .order_by(ApiToken.id)
    )
    return [
        {
            "id": str(r["id"]),
            "label": r["label"],
            "prefix": r["prefix"],
            "created_at": r["created_at"].isoformat(),
            "last_used_at": r["last_used_at"].isoformat() if r["last_used_at"] else None,
        }
        for r in rows
    ]


async def revoke_api_token(user_id: int, token_id: str, actor: str) -> None:
    if not token_id.isdigit():
        raise NotFound("No such token")
    async with atomic():
        done = (
            await ApiToken.update({ApiToken.revoked_at: now()})
            .where(
                (ApiToken.id == int(token_id))
                & (ApiToken.user == user_id)
                & ApiToken.revoked_at.is_null()
            )
            .returning(ApiToken.id)
        )
        if not done:
            raise NotFound("No such token")
        await record(actor, "token.revoke", "api_token", token_id)


async def user_by_api_token(secret: str) -> CurrentUser | None:
    row = (
        await ApiToken.select(ApiToken.id, ApiToken.user, ApiToken.last_used_at)
        .where((ApiToken.token_hash == hash_secret(secret)) & ApiToken.revoked_at.is_null())
        .first()
    )
    if row is None:
        return None
    user = await load_user(row["user"])
    if user is not None and (
        row["last_used_at"] is None or row["last_used_at"] < now() - TOKEN_TOUCH_EVERY
    ):
        async with atomic():
            await ApiToken.update({ApiToken.last_used_at: now()}).where(ApiToken.id == row["id"])
    return user
