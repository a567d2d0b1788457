"""Who is calling: the signed-in user as the rest of the code sees it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CurrentUser:
    id: int
    email: str
    name: str
    language: str
    municipality_id: int | None
    municipality_number: str | None
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    @property
    def is_finance(self) -> bool:
        return "finance" in self.roles

    def coordinates(self, network_slug: str) -> bool:
        return f"coordinator:{network_slug}" in self.roles

    @property
    def coordinated_networks(self) -> frozenset[str]:
        return frozenset(r.split(":", 1)[1] for r in self.roles if r.startswith("coordinator:"))
