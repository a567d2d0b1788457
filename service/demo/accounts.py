"""The demo accounts, for the one-click sign-in of the development sign-in page.

`demo_accounts()` is the fixed list the demo makes (no database read);
`loaded_demo_accounts()` is the same list cut down, in one query, to the accounts
that exist and are active, with the roles they hold now."""

from __future__ import annotations

from dataclasses import dataclass

from service.db.tables import User
from service.demo.data import programme

ROLE_ORDER = ("admin", "finance", "coordinator", "participant")


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: str  # "admin" | "finance" | "coordinator:<network-slug>" | "participant"


def _rank(role: str) -> int:
    return ROLE_ORDER.index(role.partition(":")[0])


def demo_accounts() -> list[DemoAccount]:
    """Admin, finance, the coordinators, then the participants (stable order)."""
    people = programme().people
    order = {p.email: i for i, p in enumerate(people)}
    accounts = [DemoAccount(p.email, p.name, p.role) for p in people]
    return sorted(accounts, key=lambda a: (_rank(a.role), order[a.email]))


ROLES_SQL = (
    "SELECT u.email, u.name, r.role, n.slug FROM samling_user u "
    'LEFT JOIN role_grant r ON r."user" = u.id LEFT JOIN network n ON n.id = r.network '
    "WHERE u.active AND u.email IN ({})"
)


async def loaded_demo_accounts() -> list[DemoAccount]:
    """The demo accounts present in the database (one query); empty before `samling demo`."""
    wanted = demo_accounts()
    rows = await User.raw(
        ROLES_SQL.format(", ".join("{}" for _ in wanted)), *[a.email for a in wanted]
    )
    found: dict[str, tuple[str, list[str]]] = {}
    for r in rows:
        name, roles = found.setdefault(r["email"], (r["name"], []))
        if r["role"] == "coordinator":
            roles.append(f"coordinator:{r['slug']}")
        elif r["role"]:
            roles.append(r["role"])
    out = []
    for a in wanted:
        if a.email not in found:
            continue
        name, roles = found[a.email]
        role = a.role if a.role in roles else min(roles, key=_rank, default="participant")
        out.append(DemoAccount(a.email, name, role))
    return out
