"""The demo's documents (see service.demo): per network an action plan (handlingsplan)
in two versions, 2025 and 2026, minutes of a gathering for the members, and a public
brochure, uploaded by the network's coordinator as small PDFs; and the coordinators'
directory entries: each listed with a phone number, except one (Kari Nordmann, who has
not agreed), to show that an unlisted coordinator is not shown at all.

Keyed by network and title (and a coordinator's phone: set once, never overwritten, so
a consent withdrawn in the demo stays withdrawn)."""

from __future__ import annotations

from typing import Any

from service.accounts import service as accounts
from service.accounts.identity import CurrentUser
from service.db.tables import Document, Network
from service.demo.people import coordinator_of
from service.documents import documents
from service.documents.pdf import text_pdf

UNLISTED = "kari.nordmann@drammen.example.org"
PHONES = {
    "siri.johansen@tromso.example.org": "+4791234501",
    "ingrid.aune@trondheim.example.org": "+4791234502",
    "anne.lise.bakke@grorud.oslo.example.org": "+4723456703",
    "solveig.hauge@bergen.example.org": "+4755123404",
    "tone.eide@stavanger.example.org": "+4748123405",
}


def plan(network: str, year: int) -> list[str]:
    later = year == 2026
    return [
        f"Handlingsplanen gjelder for {year} og er vedtatt av nettverkets koordinatorer etter "
        "innspill fra medlemskommunene på nettverkssamlingen."
        + (" Den erstatter handlingsplanen for 2025." if later else ""),
        "# 1. Formål",
        "Nettverket skal bidra til å videreutvikle og styrke den faglige kvaliteten og "
        "kompetansen i den kommunale støttekontakttjenesten, slik at barn, unge og voksne "
        "får en aktiv og meningsfylt fritid sammen med andre.",
        "# 2. Mål for året",
        "- Alle medlemskommunene deltar på minst én nettverkssamling.",
        "- Kommunene deler erfaringer med de tre hovedløsningene: individuell støttekontakt, "
        "deltakelse i en aktivitetsgruppe og et individuelt tilbud i samarbeid med en "
        "frivillig organisasjon.",
        "- Minst to nye aktivitetsgrupper startes i samarbeid med frivillige organisasjoner.",
        *(
            [
                "- Kommunene tar i bruk felles rutiner for oppfølging av oppdragstakere.",
                "- Ventetiden fra vedtak til oppstart skal ned, og kommunene rapporterer den.",
            ]
            if later
            else []
        ),
        "# 3. Tiltak",
        "- To nettverkssamlinger, vår og høst, med faglig program og erfaringsdeling.",
        "- Opplæring av nye støttekontakter og ledere av aktivitetsgrupper.",
        "- Temamøte om samordning av informasjon, tildeling og iverksetting av tjenesten.",
        "# 4. Ansvar og oppfølging",
        f"Koordinatorene i {network} har ansvar for gjennomføringen. Planen evalueres på "
        "høstsamlingen, og status rapporteres i årsrapporten.",
    ]


def minutes(network: str) -> list[str]:
    return [
        f"Referat fra nettverkssamlingen i {network}, vår 2026.",
        "# Til stede",
        "Koordinatorene og representanter for medlemskommunene (se deltakerlisten i Samling).",
        "# Sak 1: Erfaringer med aktivitetsgrupper",
        "Flere kommuner har startet klatre-, friluft- og musikkgrupper. Gruppene når flere "
        "brukere innenfor dagens ressursrammer, men krever gode ledere.",
        "# Sak 2: Samarbeid med frivillige organisasjoner",
        "Kommunene drøftet avtaler med idrettslag og kulturforeninger, og hvordan "
        "oppfølgingen av de frivillige kan ivaretas.",
        "# Sak 3: Handlingsplanen for 2026",
        "Utkastet ble gjennomgått. Innspill sendes koordinatorene innen fire uker.",
        "# Neste samling",
        "Høsten 2026. Invitasjon kommer i Samling.",
    ]


def brochure(network: str) -> list[str]:
    return [
        "Sammen med andre – nye veier for støttekontakttjenesten.",
        f"{network} er et regionalt fagnettverk for kommunene som gir støttekontakttjenester. "
        "Nettverket samler kommunene til faglige samlinger, deler erfaringer og gir råd om "
        "hvordan tjenesten kan videreutvikles.",
        "# Tre hovedløsninger",
        "- Individuell støttekontakt",
        "- Deltakelse i en aktivitetsgruppe",
        "- Et individuelt tilbud i samarbeid med en frivillig organisasjon",
        "# Bli med",
        "Kommuner i nettverkets fylker kan bli medlemmer. Ta kontakt med koordinatorene.",
    ]


async def _exists(network_id: int, title: str) -> bool:
    return bool(
        await Document.exists().where((Document.network == network_id) & (Document.title == title))
    )


async def _network_documents(user: CurrentUser, slug: str, name: str, nid: int) -> int:
    made = 0
    title = f"Handlingsplan for {name}"
    if not await _exists(nid, title):
        slug_file = f"handlingsplan-{slug}"
        doc = await documents.create(
            user,
            slug,
            title=title,
            kind="action_plan",
            visibility="public",
            label="2025",
            note="Vedtatt på høstsamlingen 2024.",
            filename=f"{slug_file}-2025.pdf",
            body=text_pdf(f"{title} 2025", plan(name, 2025)),
        )
        await documents.add_version(
            user,
            doc.id,
            label="2026",
            note=(
                "Revidert etter innspill fra medlemskommunene: nye mål for oppfølging og ventetid."
            ),
            filename=f"{slug_file}-2026.pdf",
            body=text_pdf(f"{title} 2026", plan(name, 2026)),
        )
        made += 1
    others = (
        ("Referat fra nettverkssamlingen våren 2026", "minutes", "members", minutes, "referat"),
        (f"Brosjyre: {name}", "brochure", "public", brochure, "brosjyre"),
    )
    for doc_title, kind, visibility, text, stem in others:
        if await _exists(nid, doc_title):
            continue
        await documents.create(
            user,
            slug,
            title=doc_title,
            kind=kind,
            visibility=visibility,
            label="2026",
            note="",
            filename=f"{stem}-{slug}-2026.pdf",
            body=text_pdf(doc_title, text(name)),
        )
        made += 1
    return made


async def ensure_documents(people: Any, base_url: str) -> dict[str, int]:
    """Create what is missing; returns how many of each thing are new."""
    made = listed = 0
    for n in await Network.select(Network.id, Network.slug, Network.name).order_by(Network.id):
        user = coordinator_of(people, n["slug"])
        if user is None:
            continue
        made += await _network_documents(user, n["slug"], n["name"], n["id"])
        phone = PHONES.get(user.email)
        if phone and user.email != UNLISTED:
            contact = await accounts.contact_of(user.id)
            if contact.get("phone") is None:
                await accounts.update_profile(user, phone=phone, listed=True)
                listed += 1
    return {"documents": made, "listed coordinators": listed}
