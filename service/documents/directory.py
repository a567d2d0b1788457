"""The public coordinator directory: each network with its active coordinators who agreed
to be listed (User.listed), with municipality, e-mail and phone. A coordinator who has not
agreed is left out entirely."""

from __future__ import annotations

from collections import defaultdict

from service.db.tables import Network, RoleGrant
from service.documents.schemas import ListedCoordinator, NetworkDirectory


def phone_text(phone: str | None) -> str:
    """A stored +47 number as Norwegians write it: mobiles (4xx, 9xx) 3-2-3, others 2-2-2-2."""
    if not phone or not phone.startswith("+47") or len(phone) != 11:
        return phone or ""
    d = phone[3:]
    if d[0] in "49":
        return f"+47 {d[:3]} {d[3:5]} {d[5:]}"
    return f"+47 {d[:2]} {d[2:4]} {d[4:6]} {d[6:]}"


async def listed(slugs: list[str] | None = None) -> list[NetworkDirectory]:
    """Every network (or those of `slugs`) by name, with its listed coordinators by name."""
    query = Network.select(Network.id, Network.slug, Network.name).order_by(Network.name)
    if slugs is not None:
        query = query.where(Network.slug.is_in(slugs or [""]))
    networks = await query
    rows = await (
        RoleGrant.select(
            RoleGrant.network,
            RoleGrant.user.id,
            RoleGrant.user.name,
            RoleGrant.user.email,
            RoleGrant.user.phone,
            RoleGrant.user.municipality.name,  # type: ignore[union-attr]
        )
        .where(
            (RoleGrant.role == "coordinator")
            & RoleGrant.network.is_in([n["id"] for n in networks] or [-1])
            & (RoleGrant.user.active == True)  # noqa: E712
            & (RoleGrant.user.listed == True)  # noqa: E712
        )
        .order_by(RoleGrant.user.name)
    )
    by_network: dict[int, list[ListedCoordinator]] = defaultdict(list)
    seen: set[tuple[int, int]] = set()
    for r in rows:
        key = (r["network"], r["user.id"])
        if key in seen:
            continue
        seen.add(key)
        by_network[r["network"]].append(
            ListedCoordinator(
                name=r["user.name"],
                municipality=r["user.municipality.name"],
                email=r["user.email"],
                phone=r["user.phone"] or None,
            )
        )
    return [
        NetworkDirectory(slug=n["slug"], name=n["name"], coordinators=by_network[n["id"]])
        for n in networks
    ]
