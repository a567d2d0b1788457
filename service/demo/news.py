"""The demo's news (see service.demo): a published report (referat) for several of the
demo's held gatherings, written as the networks' own reports were (what was on the
programme, who spoke, what was discussed), each with one to three drawn illustrations
(Pillow, in the Designsystemet palette, alt text saying what the drawing shows) and one
with a presentation as PDF; and two network news posts. Keyed by gathering (one report
each) and by network and title, through service.news.posts."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from PIL import Image, ImageDraw

from service.accounts.identity import CurrentUser
from service.db.tables import Gathering, Post
from service.demo.people import coordinator_of
from service.lib.clock import moved_to, now
from service.news import posts

# Designsystemet's colours (accent blue, dark blue, greens, warm and neutral tints)
BLUE, DARK, SKY, LIGHT = (0, 98, 186), (30, 43, 60), (155, 199, 240), (230, 239, 248)
GREEN, MINT, SAND, WARM = (6, 135, 24), (190, 230, 195), (240, 178, 92), (250, 236, 214)
WHITE, GREY = (255, 255, 255), (200, 207, 214)
SKIN = [(241, 204, 170), (198, 142, 103), (141, 94, 62), (232, 184, 148)]


@dataclass(frozen=True)
class Picture:
    kind: str  # meeting, presentation, network, groups
    alt: str
    caption: str = ""


@dataclass(frozen=True)
class Report:
    network: str
    gathering: str  # the gathering's title
    title: str
    summary: str
    body: str
    pictures: tuple[Picture, ...]
    language: str = "nb"
    pdf: str = ""  # the title of a presentation attached as PDF


REPORTS = (
    Report(
        "telemark-vestfold-buskerud",
        "Nettverkssamling i Drammen",
        "Nettverket tar opp tråden i Drammen",
        "Kommuner fra Buskerud, Vestfold og Telemark møttes i Drammen rådhus for å "
        "utveksle erfaringer og legge planer for et selvdrevet nettverk.",
        """Den 7. november var kommuner fra Buskerud, Vestfold og Telemark samlet til \
erfaringsutveksling i Drammen rådhus. Med denne samlingen tar nettverket opp tråden etter \
Helsedirektoratets satsing på fagfeltet «Støttekontakt, kultur- og fritidsdeltakelse».

## Status i kommunene

Nettverkskoordinator Kari Nordmann åpnet med en presentasjonsrunde. Kongsberg, Larvik, \
Tønsberg og Skien fortalte hva som har skjedd siden sist:

- Larvik har startet to nye aktivitetsgrupper, én for ungdom og én for voksne.
- Tønsberg har fått flere søkere til støttekontaktoppdrag etter en annonse i lokalavisen.
- Skien har tatt i bruk Fritid med bistand i samarbeid med to idrettslag.

## Grupper og Fritid med bistand

Etter lunsj delte deltakerne seg i grupper. Her gikk praten om hvordan kommunene kan \
organisere aktivitetsgrupper uten at det går ut over det individuelle tilbudet, og om \
hvordan Fritid med bistand kan gi flere en fritid de selv har valgt.

## Veien videre

Nettverket blir nå et selvdrevet samarbeid mellom kommunene. Deltakerne ble enige om to \
samlinger i året, og om at vertskapet går på omgang. Neste samling blir i Kongsberg.
""",
        (
            Picture(
                "meeting",
                "Tegning: seks personer sitter rundt et ovalt møtebord med kaffekopper, "
                "foran en skjerm på veggen.",
                "Presentasjonsrunden i Drammen rådhus (illustrasjon).",
            ),
            Picture(
                "groups",
                "Tegning: to små grupper med tre personer hver sitter ved hvert sitt bord "
                "og snakker sammen.",
                "Gruppearbeid om aktivitetsgrupper og Fritid med bistand (illustrasjon).",
            ),
        ),
    ),
    Report(
        "ost",
        "Erfaringsutveksling i Fredrikstad",
        "Erfaringsutveksling i Fredrikstad",
        "Fredrikstad kommune inviterte nettverket fra Østfold, Oslo, Akershus, Hedmark og "
        "Oppland til en dag om aktivitetsgrupper og samarbeid med frivilligheten.",
        """Nina Solberg ønsket velkommen til Fredrikstad rådhus, der kommuner og bydeler \
fra fem fylker var samlet til en dag med erfaringsutveksling.

## Aktivitetsgrupper i praksis

Tre kommuner fortalte om sine aktivitetsgrupper. Bærum viste hvordan en turgruppe har \
gitt flere brukere et fast tilbud hver uke, og Bjerke bydel fortalte om en matlagingsgruppe \
som er blitt et sted å møte nye venner. Hamar delte erfaringer med å rekruttere \
gruppeledere blant pensjonister.

## Samarbeid med frivillige organisasjoner og lag

Ettermiddagen handlet om det individuelle tilbudet i samarbeid med frivillige \
organisasjoner og lag. Flere kommuner har gode erfaringer med å la en støttekontakt følge \
brukeren de første gangene i et lag, til brukeren kjenner seg trygg alene.

> Det viktigste er at brukeren selv får velge hva fritiden skal fylles med.

Presentasjonen om aktivitetsgrupper ligger ved som PDF.
""",
        (
            Picture(
                "presentation",
                "Tegning: en person står ved en skjerm med et søylediagram, mens fem "
                "personer sitter på rad og hører på.",
                "Tre kommuner forteller om sine aktivitetsgrupper (illustrasjon).",
            ),
        ),
        pdf="Aktivitetsgrupper i praksis",
    ),
    Report(
        "nord",
        "Nettverkssamling i Tromsø: utvikling i nord",
        "Ideene blomstret på samlingen i Tromsø",
        "Lange avstander, rekruttering og opplæring var hovedtema da nettverket for "
        "Nord-Norge møttes i Tromsø. En bruker fortalte om tjenesten: «Må være en venn».",
        """En bruker med vannskrekk la på svøm, han med høydeskrekk prøvde paragliding. \
Gode erfaringer med støttekontaktarbeidet, men også problemer, ble luftet da nettverket \
for Nordland, Troms og Finnmark møttes i Tromsø rådhus.

## «Må være en venn»

Dagen startet med at en bruker av tjenesten fortalte hva en god støttekontakt betyr: en \
som kommer når det er avtalt, som lytter, og som blir en venn mer enn en hjelper.

## Handlingsplanen og lange avstander

Nettverkskoordinator Siri Johansen gikk gjennom handlingsplanen for nettverket, som skal \
være et levende verktøy og ikke et dokument i en skuff. Etterpå delte Alta, Bodø og Tromsø \
erfaringer med å veilede støttekontakter på video når det er mange mil mellom dem.

## Neste dag

Dag to gikk med til gruppearbeid. Deltakerne ønsker en felles opplæringsdag for nye \
støttekontakter i regionen, og koordinatoren tar saken videre.
""",
        (
            Picture(
                "meeting",
                "Tegning: seks personer rundt et møtebord, med en skjerm på veggen som viser "
                "en videosamtale.",
                "Veiledning på video når avstandene er lange (illustrasjon).",
            ),
            Picture(
                "network",
                "Abstrakt tegning: blå og grønne sirkler bundet sammen med linjer, som et "
                "nettverk av steder.",
            ),
            Picture(
                "groups",
                "Tegning: to grupper med tre personer som sitter ved hvert sitt bord.",
                "Gruppearbeid dag to (illustrasjon).",
            ),
        ),
    ),
    Report(
        "vest",
        "5. nettverkssamling i Bergen",
        "Nettverka gjer ein skilnad",
        "På den 5. nettverkssamlinga i Bergen såg vi på kva nettverket har betydd for "
        "fagfeltet, og ein erfaren støttekontakt fortalde om opplæring og rettleiing.",
        """Kommunar og bydelar frå Hordaland og Sogn og Fjordane var samla i Bergen \
rådhus til den 5. nettverkssamlinga.

## Støttekontakt i 18 år

Ein erfaren støttekontakt fortalde om kor viktig opplæring og rettleiing er for å få og \
halde på gode medarbeidarar. Det som har fått henne til å halde fram, er at nokon i \
kommunen har teke seg tid til å spørje korleis det går.

## Kva har nettverket betydd for oss?

I runden rundt bordet fortalde kommunane at nettverket har gjeve dei kollegaer å spørje, \
felles malar for oppdragsavtalar og mot til å prøve nye gruppetilbod. Sunnfjord har laga \
ein brosjyre om tenesta etter døme frå Bergen.

## Vegen vidare

Nettverket vil halde fram med to samlingar i året. Neste gong står informasjonsmateriell \
og rekruttering av unge støttekontaktar på programmet.
""",
        (
            Picture(
                "presentation",
                "Teikning: ein person står ved ein skjerm med eit søylediagram, og fem "
                "personar sit på rad og lyttar.",
                "Ein erfaren støttekontakt fortel (illustrasjon).",
            ),
        ),
        language="nn",
    ),
    Report(
        "agder-rogaland",
        "Sett og verdsatt: nettverkssamling i Kristiansand",
        "Sett og verdsatt i Kristiansand",
        "Nettverket for Rogaland og Agder møttes i Kristiansand for å snakke om å bli sett "
        "og verdsatt, både som støttekontakt og som bruker av tjenesten.",
        """Tone Eide ønsket velkommen til Kristiansand rådhus, der deltakere fra kommunene \
i Rogaland og Agder var samlet.

## Sett og verdsatt

En fagperson fra Fritid med bistand innledet om hva det betyr å bli sett: for brukeren \
som vil velge sin egen fritid, og for støttekontakten som trenger å vite at jobben betyr \
noe. Mange kjente seg igjen i at en telefon fra kommunen etter et halvt år kan være nok \
til at en støttekontakt fortsetter.

## Gode eksempler fra kommunene

- Gjesdal og Klepp samarbeider om kurs for nye støttekontakter.
- Kristiansand har en fast «støttekontaktkafé» hver måned.
- Hå har laget en kort film om tjenesten til nettsiden sin.

Deltakerne ønsker å dele flere slike eksempler på nettverkets side, og koordinatoren \
samler dem til neste samling.
""",
        (
            Picture(
                "meeting",
                "Tegning: seks personer rundt et ovalt møtebord med kaffekopper, foran en "
                "skjerm på veggen.",
                "Gode eksempler fra kommunene (illustrasjon).",
            ),
            Picture(
                "network",
                "Abstrakt tegning: blå og grønne sirkler bundet sammen med linjer, som et "
                "nettverk.",
            ),
        ),
    ),
)


@dataclass(frozen=True)
class News:
    network: str
    title: str
    summary: str
    body: str
    days_ago: int


NEWS = (
    News(
        "agder-rogaland",
        "Ny handlingsplan for nettverket i Rogaland og Agder",
        "Koordinatorene har samlet innspillene fra kommunene i en handlingsplan for de "
        "neste to årene.",
        """Handlingsplanen bygger på det kommunene har meldt inn på samlingene det siste \
året. Den har tre mål:

1. Flere og bedre rekrutterte støttekontakter.
2. Et aktivitetstilbud i grupper i alle kommunene i nettverket.
3. Faste samlinger to ganger i året, med vertskap på omgang.

Planen ligger under nettverkets dokumenter. Kommentarer sendes til koordinatoren.
""",
        20,
    ),
    News(
        "vest",
        "Velkomen til nye kommunar i Nettverk Vest",
        "To nye kommunar er med i nettverket frå i haust.",
        """Nettverket ønskjer velkomen til dei nye kommunane. Dei får tilbod om ein \
introduksjon til nettverket før neste samling, og kan ta kontakt med koordinatoren for å \
få malane for oppdragsavtalar som nettverket har laga saman.
""",
        10,
    ),
)


# --- drawings ------------------------------------------------------------------------------


def _person(d: ImageDraw.ImageDraw, x: float, y: float, r: float, shirt: Any, skin: Any) -> None:
    d.ellipse((x - r * 1.5, y + r * 0.8, x + r * 1.5, y + r * 3.6), fill=shirt)
    d.ellipse((x - r, y - r, x + r, y + r), fill=skin)


def _screen(d: ImageDraw.ImageDraw, box: tuple[int, int, int, int], video: bool = False) -> None:
    x0, y0, x1, y1 = box
    d.rounded_rectangle(box, radius=12, fill=DARK)
    d.rounded_rectangle((x0 + 12, y0 + 12, x1 - 12, y1 - 12), radius=6, fill=LIGHT)
    if video:
        w = (x1 - x0 - 36) // 2
        for i in range(2):
            cx = x0 + 18 + w * i + w // 2
            _person(d, cx, y0 + (y1 - y0) * 0.42, 18, BLUE if i else GREEN, SKIN[i + 1])
    else:
        heights = (0.35, 0.6, 0.45, 0.8)
        bw = (x1 - x0 - 24) / (len(heights) * 2 + 1)
        for i, h in enumerate(heights):
            left = x0 + 12 + bw * (2 * i + 1)
            top = y1 - 20 - (y1 - y0 - 40) * h
            d.rectangle((left, top, left + bw, y1 - 20), fill=(BLUE, GREEN, SAND, BLUE)[i])


def _meeting(d: ImageDraw.ImageDraw, w: int, h: int, video: bool) -> None:
    d.rectangle((0, int(h * 0.62), w, h), fill=WARM)  # the floor
    _screen(d, (int(w * 0.33), 50, int(w * 0.67), 270), video)
    table = (int(w * 0.2), int(h * 0.58), int(w * 0.8), int(h * 0.86))
    seats = [(0.28, 0.52), (0.5, 0.5), (0.72, 0.52), (0.28, 0.83), (0.5, 0.85), (0.72, 0.83)]
    for i, (sx, sy) in enumerate(seats[:3]):
        _person(d, w * sx, h * sy - 40, 30, (BLUE, GREEN, SAND)[i], SKIN[i % 4])
    d.ellipse(table, fill=WHITE, outline=GREY, width=4)
    for i, (sx, _sy) in enumerate(seats):
        cx, cy = w * sx, table[1] + (table[3] - table[1]) * (0.35 if i < 3 else 0.65)
        d.ellipse((cx - 14, cy - 10, cx + 14, cy + 10), fill=SKY)  # a coffee cup
    for i, (sx, sy) in enumerate(seats[3:]):
        _person(d, w * sx, h * sy, 30, (DARK, BLUE, GREEN)[i], SKIN[(i + 2) % 4])


def _presentation(d: ImageDraw.ImageDraw, w: int, h: int) -> None:
    d.rectangle((0, int(h * 0.7), w, h), fill=WARM)
    _screen(d, (int(w * 0.45), 60, int(w * 0.92), 360))
    _person(d, w * 0.32, 250, 34, BLUE, SKIN[1])  # the speaker
    for i in range(5):
        _person(
            d, w * (0.14 + i * 0.18), h * 0.74, 30, (GREEN, SAND, DARK, BLUE, GREEN)[i], SKIN[i % 4]
        )


def _groups(d: ImageDraw.ImageDraw, w: int, h: int) -> None:
    d.rectangle((0, int(h * 0.6), w, h), fill=MINT)
    for g, cx in enumerate((w * 0.28, w * 0.72)):
        cy = h * 0.62
        for i, angle in enumerate((200, 270, 340)):
            a = math.radians(angle)
            shirt = ((BLUE, SAND, GREEN), (DARK, GREEN, BLUE))[g][i]
            x, y = cx + math.cos(a) * 150, cy + math.sin(a) * 110 - 30
            _person(d, x, y, 28, shirt, SKIN[(i + g) % 4])
        d.ellipse((cx - 130, cy - 50, cx + 130, cy + 70), fill=WHITE, outline=GREY, width=4)


def _network(d: ImageDraw.ImageDraw, w: int, h: int) -> None:
    points = [(0.15, 0.3), (0.35, 0.2), (0.6, 0.3), (0.85, 0.22), (0.25, 0.65), (0.5, 0.55),
              (0.75, 0.7), (0.45, 0.85), (0.9, 0.55)]  # fmt: skip
    links = [(0, 1), (1, 2), (2, 3), (0, 4), (4, 5), (5, 2), (5, 6), (6, 8), (3, 8), (4, 7),
             (7, 6), (1, 5)]  # fmt: skip
    xy = [(w * x, h * y) for x, y in points]
    for a, b in links:
        d.line((xy[a], xy[b]), fill=SKY, width=8)
    for i, (x, y) in enumerate(xy):
        r = 34 if i % 3 == 0 else 24
        d.ellipse((x - r, y - r, x + r, y + r), fill=(BLUE, GREEN, SAND)[i % 3])


def picture(kind: str, video: bool = False) -> bytes:
    """A pleasant drawing (1200 x 800 PNG) of the kind asked for."""
    w, h = 1200, 800
    image = Image.new("RGB", (w, h), LIGHT if kind != "network" else WHITE)
    d = ImageDraw.Draw(image)
    if kind == "meeting":
        _meeting(d, w, h, video)
    elif kind == "presentation":
        _presentation(d, w, h)
    elif kind == "groups":
        _groups(d, w, h)
    else:
        _network(d, w, h)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def tiny_pdf(title: str) -> bytes:
    """A valid one-page PDF with the title on it (the demo's presentation)."""
    safe = title.encode("latin-1", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 24 Tf 60 520 Td (" + safe + b") Tj ET\nBT /F1 14 Tf 60 480 Td "
    stream += b"(Nettverkssamling - presentasjon) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 842 595] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n".encode())
    out.write(f"startxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


# --- loading ----------------------------------------------------------------------------------


async def _report(spec: Report, people: dict[str, CurrentUser], base_url: str) -> dict[str, int]:
    g = (
        await Gathering.select(Gathering.id, Gathering.ends_at, Gathering.status)
        .where((Gathering.network.slug == spec.network) & (Gathering.title == spec.gathering))
        .first()
    )
    author = coordinator_of(people, spec.network)
    if g is None or author is None or g["status"] not in posts.REPORTABLE:
        return {}
    if g["ends_at"] > now() or await posts.report_for(g["id"]) is not None:
        return {}
    written = min(g["ends_at"] + timedelta(days=3), now())
    with moved_to(written):
        p = await posts.create(
            author,
            base_url,
            spec.title,
            gathering=str(g["id"]),
            summary=spec.summary,
            body=spec.body,
            language=spec.language,
        )
        for pic in spec.pictures:
            body = picture(pic.kind, video="video" in pic.alt)
            await posts.add_photo(author, p.id, body, pic.alt, pic.caption, base_url)
        if spec.pdf:
            await posts.add_attachment(
                author, p.id, f"{spec.pdf}.pdf", tiny_pdf(spec.pdf), spec.pdf, base_url
            )
        await posts.publish(author, p.id, base_url)
    return {"photos": len(spec.pictures), "attachments": int(bool(spec.pdf))}


async def _news(spec: News, people: dict[str, CurrentUser], base_url: str) -> bool:
    author = coordinator_of(people, spec.network)
    if author is None:
        return False
    if await Post.exists().where((Post.network.slug == spec.network) & (Post.title == spec.title)):
        return False
    with moved_to(now() - timedelta(days=spec.days_ago)):
        p = await posts.create(
            author,
            base_url,
            spec.title,
            network=spec.network,
            summary=spec.summary,
            body=spec.body,
            language="nn" if spec.network == "vest" else "nb",
        )
        await posts.publish(author, p.id, base_url)
    return True


async def ensure_news(people: Any, base_url: str) -> dict[str, int]:
    """Create what is missing; returns how many of each thing are new."""
    counts = {"reports": 0, "news_posts": 0, "post_photos": 0, "post_attachments": 0}
    for spec in REPORTS:
        made = await _report(spec, people, base_url)
        if made:
            counts["reports"] += 1
            counts["post_photos"] += made["photos"]
            counts["post_attachments"] += made["attachments"]
    for news in NEWS:
        counts["news_posts"] += await _news(news, people, base_url)
    return counts
