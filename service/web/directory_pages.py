"""The public coordinator directory: each network's coordinators who agreed to be listed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import get
from litestar.di import NamedDependency
from litestar.response import Template

from service.documents import directory
from service.documents.schemas import ListedCoordinator
from service.web.viewer import Viewer


@dataclass(frozen=True)
class Person:
    """A listed coordinator as the pages show them: the phone written out, and as tel:."""

    c: ListedCoordinator
    phone: str
    tel: str


def people(coordinators: list[ListedCoordinator]) -> list[Person]:
    return [Person(c, directory.phone_text(c.phone), c.phone or "") for c in coordinators]


@get("/coordinators")
async def coordinators_page(viewer: NamedDependency[Viewer]) -> Template:
    networks = [(n, people(n.coordinators)) for n in await directory.listed()]
    return Template(
        "directory/coordinators.html",
        context={"viewer": viewer, "notice": "", "networks": networks},
    )


PAGES: list[Any] = [coordinators_page]
