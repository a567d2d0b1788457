"""The demo's campaigns (see service.demo): every demo municipality's official address and
written standard, a few more Rogaland municipalities (through the SSB importer), and a
sent invitation in the spirit of the Directorate's 2007 letter to the municipalities of
Rogaland, Hordaland and Sogn og Fjordane, with replies: interested ones with contacts,
one selected, one declined, the rest unanswered."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from service.campaigns import service as campaigns
from service.campaigns.schemas import CampaignIn, LetterIn, ReplyIn
from service.db.tables import Campaign, CampaignRecipient, Municipality, MunicipalityDomain
from service.networks import importer, membership

TITLE = "Invitasjon til regionale fagnettverk for støttekontakttjenesten"
# Municipalities that write nynorsk (Vestland, and Jæren and Dalane in Rogaland).
NYNORSK = {"4647", "1120", "1121", "1119", "1114", "1506"}
# A few more Rogaland municipalities, outside the networks so far: they answer the letter.
MORE = [("1108", "Sandnes"), ("1124", "Sola"), ("1101", "Eigersund"), ("1114", "Bjerkreim")]
MORE_ADDRESSES = {
    "1108": "postmottak@sandnes.kommune.no",
    "1124": "postmottak@sola.kommune.no",
    "1101": "postmottak@eigersund.kommune.no",
    "1114": "postmottak@bjerkreim.kommune.no",
}
SSB_HEADER = "code;parentCode;level;name;shortName;presentationName;validFrom;validTo;notes"

LETTER_NB = """Kommunene i Rogaland og på Vestlandet inviteres til å delta i regionale faglige
nettverk for støttekontakttjenesten. Satsingen er treårig og finansieres over
statsbudsjettet, i samarbeid med kommuner som allerede har bygd opp gode tilbud.

## Hvorfor nettverk

Støttekontakttjenesten skal gi barn, unge og voksne en aktiv og meningsfull fritid sammen
med andre. Tilbudet bør kunne gis på tre måter:

- individuell støttekontakt
- deltakelse i en aktivitetsgruppe
- et individuelt tilbud i samarbeid med en frivillig organisasjon

Nettverkene skal være regionale knutepunkt der kommunene deler erfaringer, får veiledning
og tar initiativ til å utvikle tjenesten lokalt.

## Utgifter

Kommuner som melder interesse, kan bli valgt ut til å delta. Prosjektet dekker reise og
opphold i forbindelse med nettverkssamlingene.

## Svar

Vil kommunen være med, svarer dere gjennom lenken under og oppgir en kontaktperson. Vi tar
kontakt med kommunene som blir valgt ut.

Med vennlig hilsen
programmet for støttekontakttjenesten"""

LETTER_NN = """Kommunane i Rogaland og på Vestlandet blir inviterte til å delta i regionale faglege
nettverk for støttekontakttenesta. Satsinga er treårig og blir finansiert over
statsbudsjettet, i samarbeid med kommunar som alt har bygd opp gode tilbod.

## Kvifor nettverk

Støttekontakttenesta skal gi barn, unge og vaksne ei aktiv og meiningsfull fritid saman
med andre. Tilbodet bør kunne givast på tre måtar:

- individuell støttekontakt
- deltaking i ei aktivitetsgruppe
- eit individuelt tilbod i samarbeid med ein frivillig organisasjon

Nettverka skal vere regionale knutepunkt der kommunane deler erfaringar, får rettleiing
og tek initiativ til å utvikle tenesta lokalt.

## Utgifter

Kommunar som melder interesse, kan bli valde ut til å delta. Prosjektet dekkjer reise og
opphald i samband med nettverkssamlingane.

## Svar

Vil kommunen vere med, svarer de gjennom lenkja under og oppgir ein kontaktperson. Vi tek
kontakt med kommunane som blir valde ut.

Med venleg helsing
programmet for støttekontakttenesta"""

# number -> (wants, network, contact name, e-mail, role, comment)
REPLIES = {
    "1108": (
        True,
        "agder-rogaland",
        "Marianne Tjelta",
        "marianne.tjelta@sandnes.kommune.no",
        "Leder, støttekontakttjenesten",
        "Vi har to aktivitetsgrupper og vil gjerne lære mer.",
    ),
    "1124": (
        True,
        "agder-rogaland",
        "Kjetil Sørbø",
        "kjetil.sorbo@sola.kommune.no",
        "Fagkonsulent, fritid med bistand",
        "",
    ),
    "1101": (
        True,
        "agder-rogaland",
        "Randi Omdal",
        "randi.omdal@eigersund.kommune.no",
        "Avdelingsleder",
        "",
    ),
    "1114": (
        True,
        "agder-rogaland",
        "Oddny Bjerkreim",
        "oddny.bjerkreim@bjerkreim.kommune.no",
        "Konsulent, helse og omsorg",
        "Vi er ein liten kommune og ønskjer samarbeid.",
    ),
    "4647": (
        True,
        "vest",
        "Ragnhild Førde",
        "ragnhild.forde@sunnfjord.kommune.no",
        "Koordinator for støttekontaktar",
        "",
    ),
    "1122": (False, None, "", "", "", "Vi prioriterer andre oppgaver i år."),
}
SELECTED, DECLINED = "1124", "1101"


def _address(domain: str) -> str:
    return f"postmottak@{domain}"


async def _ensure_addresses(admin: Any) -> int:
    """Each demo municipality's official address (its first domain) and written standard."""
    changed = 0
    domains: dict[int, str] = {}
    for d in await MunicipalityDomain.select(
        MunicipalityDomain.domain, MunicipalityDomain.municipality
    ).order_by(MunicipalityDomain.domain):
        domains.setdefault(d["municipality"], d["domain"])
    for m in await Municipality.select(
        Municipality.id, Municipality.number, Municipality.official_email, Municipality.language
    ):
        email = MORE_ADDRESSES.get(m["number"]) or (
            _address(domains[m["id"]]) if m["id"] in domains else None
        )
        if email is None or m["official_email"]:
            continue
        language = "nn" if m["number"] in NYNORSK else "nb"
        await membership.set_official_address(admin, m["number"], email, language)
        changed += 1
    return changed


async def _ensure_more_municipalities() -> int:
    have = {m["number"] for m in await Municipality.select(Municipality.number)}
    missing = [(c, n) for c, n in MORE if c not in have]
    if not missing:
        return 0
    lines = [SSB_HEADER] + [
        f'"{c}";"";"1";"{n}";"{n}";"{c} {n}";"2024-01-01";"";""' for c, n in missing
    ]
    result = await importer.import_municipalities(
        ("\r\n".join(lines) + "\r\n").encode("utf-8"), "demo", actor="samling demo"
    )
    return result.created


async def ensure_campaigns(people: Any, base_url: str) -> dict[str, int]:
    """Create what is missing; returns how many of each thing are new."""
    admin = next((u for u in people.values() if u.is_admin), None)
    if admin is None:
        return {}
    counts = {"campaigns": 0, "campaign_replies": 0}
    counts["imported_municipalities"] = await _ensure_more_municipalities()
    counts["official_addresses"] = await _ensure_addresses(admin)
    if await Campaign.exists().where(Campaign.title == TITLE):
        return counts
    created = await campaigns.create_campaign(
        admin,
        CampaignIn(
            title=TITLE,
            networks=["agder-rogaland", "vest"],
            counties=["11", "12", "14"],
            reply_by=(campaigns.today() + timedelta(days=40)).isoformat(),
            letters=[
                LetterIn("nb", "Invitasjon til å delta i regionale fagnettverk", LETTER_NB),
                LetterIn("nn", "Invitasjon til å delta i regionale fagnettverk", LETTER_NN),
            ],
        ),
    )
    await campaigns.send(admin, created.id, base_url)
    counts["campaigns"] = 1
    rows = await CampaignRecipient.select(
        CampaignRecipient.id, CampaignRecipient.municipality.number
    ).where(CampaignRecipient.campaign == created.id)
    by_number = {r["municipality.number"]: r["id"] for r in rows}
    for number, (wants, network, name, email, role, comment) in REPLIES.items():
        if number not in by_number:
            continue
        await campaigns.reply_for(
            by_number[number],
            ReplyIn(
                wants=wants,
                network=network,
                contact_name=name,
                contact_email=email,
                contact_role=role,
                comment=comment,
            ),
            base_url,
        )
        counts["campaign_replies"] += 1
    if SELECTED in by_number:
        await campaigns.select(admin, created.id, by_number[SELECTED], None, base_url)
    if DECLINED in by_number:
        await campaigns.decline(
            admin,
            created.id,
            by_number[DECLINED],
            "Nettverket er fullt denne perioden. Vi tar gjerne kontakt når det blir ledig plass.",
        )
    return counts
