"""The demo's people: per network a coordinator and a few participants, plus one
finance and one admin user. Made through the accounts service (active at once, as
`samling user add` makes them); an address that exists already is left as it is."""

from __future__ import annotations

from service.accounts import service as accounts
from service.accounts.identity import CurrentUser
from service.demo.data import programme

ACTOR = "samling demo"


async def ensure_people() -> tuple[dict[str, CurrentUser], int]:
    """Every demo person as a signed-in user would be, and how many were new."""
    people: dict[str, CurrentUser] = {}
    created = 0
    for p in programme().people:
        user_id = await accounts.user_id_by_email(p.email)
        if user_id is None:
            roles = [] if p.role == "participant" else [p.role]
            user_id = await accounts.create_user(
                p.email, p.name, p.municipality, roles, ACTOR, p.language
            )
            created += 1
        user = await accounts.load_user(user_id)
        if user is not None:  # a disabled account with a demo address takes no part
            people[p.email] = user
    return people, created


def coordinator_of(people: dict[str, CurrentUser], network: str) -> CurrentUser | None:
    for p in programme().people:
        if p.role == f"coordinator:{network}" and p.email in people:
            user = people[p.email]
            if user.coordinates(network):
                return user
    return None


def finance(people: dict[str, CurrentUser]) -> CurrentUser | None:
    for p in programme().people:
        if p.role == "finance" and p.email in people and people[p.email].is_finance:
            return people[p.email]
    return None
