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
