"""Writes on networks and municipalities: interest, membership, bank account, domains."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from service.accounts.identity import CurrentUser
from service.db.tables import Municipality, MunicipalityDomain, Network, NetworkMembership
from service.db.tx import atomic, is_sqlite
from service.lib.audit import record
from service.lib.errors import Conflict, Forbidden, Invalid, NotFound
from service.lib.money import bank_account
from service.networks.schemas import MemberOut, MunicipalityDetail, MunicipalityPatch
from service.networks.service import (
    get_network_row,
    municipality_detail,
    propose_bank_account,
)

__all__ = ["municipality_detail"]  # kept here too: it was first defined in this module

DOMAIN_RE = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


async def lock_network(network_id: int) -> None:
    """Serialise membership changes of one network (SQLite: BEGIN IMMEDIATE does)."""
    if not is_sqlite():
        await Network.select(Network.id).where(Network.id == network_id).lock_rows()


async def _municipality(number: str) -> dict[str, Any]:
    row = await Municipality.select().where(Municipality.number == number).first()
    if row is None:
        raise NotFound("No municipality with number {number!r}", params={"number": number})
    return row


async def _membership(network_id: int, municipality_id: int) -> dict[str, Any] | None:
    return (
        await NetworkMembership.select()
        .where(
            (NetworkMembership.network == network_id)
            & (NetworkMembership.municipality == municipality_id)
        )
        .first()
    )


def _snapshot(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"status": row["status"]}


async def express_interest(user: CurrentUser, slug: str) -> tuple[MemberOut, bool]:
    """The caller's municipality asks to join. Returns (membership, created)."""
    network = await get_network_row(slug)
    if user.municipality_id is None:
        raise Invalid("Your account has no municipality; ask an administrator to set it")
    async with atomic():
        await lock_network(network["id"])
        muni = await Municipality.select().where(Municipality.id == user.municipality_id).first()
        assert muni is not None
        current = await _membership(network["id"], muni["id"])
        if current is not None and current["status"] == "member":
            raise Conflict(
                "{municipality} is already a member of {network}",
                params={"municipality": muni["name"], "network": network["name"]},
            )
        if current is not None and current["status"] == "interested":
            return MemberOut(
                municipality=muni["number"], name=muni["name"], status="interested"
            ), False
        now = datetime.now(UTC)
        if current is None:
            await NetworkMembership.insert(
                NetworkMembership(
                    network=network["id"],
                    municipality=muni["id"],
                    status="interested",
                    interested_at=now,
                )
            )
        else:
            await NetworkMembership.update(
                {
                    NetworkMembership.status: "interested",
                    NetworkMembership.interested_at: now,
                    NetworkMembership.updated_at: now,
                }
            ).where(NetworkMembership.id == current["id"])
        await record(
            user.email,
            "membership.interest",
            "network_membership",
            f"{slug}/{muni['number']}",
            before=_snapshot(current),
            after={"status": "interested"},
        )
    return MemberOut(municipality=muni["number"], name=muni["name"], status="interested"), True


async def set_membership(user: CurrentUser, slug: str, number: str, status: str) -> MemberOut:
    network = await get_network_row(slug)
    if not (user.is_admin or user.coordinates(slug)):
        raise Forbidden(
            "Only coordinators of {network} and administrators may do this",
            params={"network": network["name"]},
        )
    async with atomic():
        await lock_network(network["id"])
        muni = await _municipality(number)
        current = await _membership(network["id"], muni["id"])
        today, now = date.today(), datetime.now(UTC)
        values: dict[Any, Any] = {
            NetworkMembership.status: status,
            NetworkMembership.updated_at: now,
        }
        if status == "member" and (current is None or current["status"] != "member"):
            values[NetworkMembership.member_since] = today
            values[NetworkMembership.withdrawn_at] = None
        if status == "withdrawn" and (current is None or current["status"] != "withdrawn"):
            values[NetworkMembership.withdrawn_at] = today
        if current is None:
            await NetworkMembership.insert(
                NetworkMembership(
                    network=network["id"],
                    municipality=muni["id"],
                    **{col._meta.name: v for col, v in values.items()},
                )
            )
        else:
            await NetworkMembership.update(values).where(NetworkMembership.id == current["id"])
        if current is None or current["status"] != status:
            await record(
                user.email,
                "membership.set",
                "network_membership",
                f"{slug}/{number}",
                before=_snapshot(current),
                after={"status": status},
            )
        fresh = await _membership(network["id"], muni["id"])
    assert fresh is not None
    since = fresh["member_since"]
    return MemberOut(
        municipality=number,
        name=muni["name"],
        status=status,
        member_since=since.isoformat() if since else None,
    )


async def update_municipality(
    user: CurrentUser, number: str, patch: MunicipalityPatch
) -> MunicipalityDetail:
    """Set e-mail domains, and/or enter a new bank account: that one waits for a second
    person's confirmation (`service.confirm_bank_account`)."""
    if not (user.is_finance or user.is_admin):
        raise Forbidden("Only finance staff and administrators may do this")
    if patch.bank_account is not None:
        bank_account(patch.bank_account, "bank_account")  # refused before anything changes
    domains = None
    if patch.email_domains is not None:
        domains = sorted({d.strip().lower().lstrip("@") for d in patch.email_domains})
        for d in domains:
            if not DOMAIN_RE.match(d):
                raise Invalid(
                    "{domain!r} is not an e-mail domain",
                    field="email_domains",
                    params={"domain": d},
                )
    async with atomic():
        before = await municipality_detail(number)
        muni = await _municipality(number)
        if patch.bank_account is not None:
            await propose_bank_account(user, number, patch.bank_account)
        if domains is not None:
            taken = await MunicipalityDomain.select(
                MunicipalityDomain.domain, MunicipalityDomain.municipality.name
            ).where(
                MunicipalityDomain.domain.is_in(domains or ["-"])
                & (MunicipalityDomain.municipality != muni["id"])
            )
            if taken:
                t = taken[0]
                raise Conflict(
                    "{domain} already belongs to {municipality}",
                    field="email_domains",
                    params={"domain": t["domain"], "municipality": t["municipality.name"]},
                )
            await MunicipalityDomain.delete().where(MunicipalityDomain.municipality == muni["id"])
            for d in domains:
                await MunicipalityDomain.insert(
                    MunicipalityDomain(domain=d, municipality=muni["id"])
                )
            after = await municipality_detail(number)
            if after.email_domains != before.email_domains:
                await record(
                    user.email,
                    "municipality.update",
                    "municipality",
                    number,
                    before={"email_domains": before.email_domains},
                    after={"email_domains": after.email_domains},
                )
        return await municipality_detail(number)


# --- the official address, and interest named in a campaign reply (service.campaigns) ---

LANGUAGES = ("nb", "nn")


def official_email(value: str) -> str:
    """A municipality's official address (postmottak@…), lower-cased; '' clears it."""
    from service.accounts.service import normalize_email

    text = value.strip()
    if not text:
        return ""
    try:
        return normalize_email(text)
    except Invalid:
        raise Invalid(
            "{email!r} is not an e-mail address", field="official_email", params={"email": text}
        ) from None


async def set_official_address(
    user: CurrentUser, number: str, email: str | None, language: str | None
) -> MunicipalityDetail:
    """Set where invitation letters go and the written standard they are in (admins)."""
    if not user.is_admin:
        raise Forbidden("Only administrators may do this", field="official_email")
    values: dict[Any, Any] = {}
    if email is not None:
        values[Municipality.official_email] = official_email(email) or None
    if language is not None:
        if language not in LANGUAGES:
            raise Invalid(
                "{language!r} is not a written standard (nb or nn)",
                field="language",
                params={"language": language},
            )
        values[Municipality.language] = language
    async with atomic():
        muni = await _municipality(number)
        changed = {c: v for c, v in values.items() if muni[c._meta.name] != v}
        if changed:
            await Municipality.update(
                {**changed, Municipality.updated_at: datetime.now(UTC)}
            ).where(Municipality.id == muni["id"])
            await record(
                user.email,
                "municipality.update",
                "municipality",
                number,
                before={c._meta.name: muni[c._meta.name] for c in changed},
                after={c._meta.name: v for c, v in changed.items()},
            )
        return await municipality_detail(number)


async def _key(network_id: int, municipality_id: int) -> str:
    """The audit object id memberships use elsewhere: '<network slug>/<municipality number>'."""
    net = await Network.select(Network.slug).where(Network.id == network_id).first()
    muni = (
        await Municipality.select(Municipality.number)
        .where(Municipality.id == municipality_id)
        .first()
    )
    return f"{net['slug'] if net else network_id}/{muni['number'] if muni else municipality_id}"


async def record_interest(
    actor: str, network_id: int, municipality_id: int, contact: dict[str, str]
) -> str:
    """The municipality said it wants to join (a campaign reply): `interested` with the
    contact person it named. A member stays a member (its contact is updated). Call
    inside atomic(); returns the membership's status afterwards."""
    await lock_network(network_id)
    current = await _membership(network_id, municipality_id)
    now = datetime.now(UTC)
    values: dict[Any, Any] = {
        NetworkMembership.contact_name: contact["name"],
        NetworkMembership.contact_email: contact["email"],
        NetworkMembership.contact_role: contact["role"],
        NetworkMembership.updated_at: now,
    }
    status = "member" if current is not None and current["status"] == "member" else "interested"
    if status == "interested" and (current is None or current["status"] != "interested"):
        values[NetworkMembership.status] = "interested"
        values[NetworkMembership.interested_at] = now
    if current is None:
        await NetworkMembership.insert(
            NetworkMembership(
                network=network_id,
                municipality=municipality_id,
                **{col._meta.name: v for col, v in values.items()},
            )
        )
    else:
        await NetworkMembership.update(values).where(NetworkMembership.id == current["id"])
    before = (
        None
        if current is None
        else {
            "status": current["status"],
            "contact_email": current["contact_email"],
        }
    )
    after = {"status": status, "contact_email": contact["email"]}
    if before != after:
        await record(
            actor,
            "membership.interest",
            "network_membership",
            await _key(network_id, municipality_id),
            before=before,
            after=after,
        )
    return status


async def withdraw_interest(actor: str, network_id: int, municipality_id: int) -> str | None:
    """An `interested` membership is withdrawn (the reply was declined or changed to
    no); a member is never downgraded. Call inside atomic(); returns the status."""
    await lock_network(network_id)
    current = await _membership(network_id, municipality_id)
    if current is None or current["status"] != "interested":
        return None if current is None else str(current["status"])
    await NetworkMembership.update(
        {
            NetworkMembership.status: "withdrawn",
            NetworkMembership.withdrawn_at: date.today(),
            NetworkMembership.updated_at: datetime.now(UTC),
        }
    ).where(NetworkMembership.id == current["id"])
    await record(
        actor,
        "membership.withdraw",
        "network_membership",
        await _key(network_id, municipality_id),
        before={"status": "interested"},
        after={"status": "withdrawn"},
    )
    return "withdrawn"


async def make_member(actor: str, network_id: int, municipality_id: int) -> None:
    """interested (or anything) → member, from today. Call inside atomic()."""
    await lock_network(network_id)
    current = await _membership(network_id, municipality_id)
    if current is not None and current["status"] == "member":
        return
    values: dict[Any, Any] = {
        NetworkMembership.status: "member",
        NetworkMembership.member_since: date.today(),
        NetworkMembership.withdrawn_at: None,
        NetworkMembership.updated_at: datetime.now(UTC),
    }
    if current is None:
        await NetworkMembership.insert(
            NetworkMembership(
                network=network_id,
                municipality=municipality_id,
                **{col._meta.name: v for col, v in values.items()},
            )
        )
    else:
        await NetworkMembership.update(values).where(NetworkMembership.id == current["id"])
    await record(
        actor,
        "membership.set",
        "network_membership",
        await _key(network_id, municipality_id),
        before=_snapshot(current),
        after={"status": "member"},
    )
