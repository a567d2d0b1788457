"""Small HTML pages in bokmål: layout plus the sign-in pages."""

from __future__ import annotations

from html import escape
from typing import Any

from litestar import MediaType, Request, Response

STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;"
    "line-height:1.5}input,button{font-size:1rem;padding:.4rem}"
)


def kr(value: str | None) -> str:
    """An API money string as people read it: "1 150,00 kr"."""
    from decimal import Decimal

    from service.lib.money import nok

    return "" if value is None else nok(Decimal(value))


def what(line: dict[str, object]) -> str:
    """What a claim line is for, in the claimant's words, with its date."""
    words = [str(line[k]) for k in ("description", "route", "hotel") if line.get(k)]
    when = line.get("date") or str(line.get("departure") or "")[:10]
    return " – ".join([*words, str(when)] if when else words)


def layout(title: str, body: str, status: int = 200) -> Response[str]:
    html = (
        '<!doctype html><html lang="nb"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)} – Samling</title><style>{STYLE}</style></head>"
        f'<body><header><a href="/">Samling</a></header><main>{body}</main></body></html>'
    )
    return Response(html, status_code=status, media_type=MediaType.HTML)


def login_form(message: str = "", status: int = 200) -> Response[str]:
    note = f'<p role="alert">{escape(message)}</p>' if message else ""
    return layout(
        "Logg inn",
        "<h1>Logg inn</h1>"
        f"{note}"
        "<p>Skriv e-postadressen din, så sender vi deg en lenke som logger deg inn.</p>"
        '<form method="post" action="/login"><label>E-post '
        '<input type="email" name="email" required autocomplete="email"></label> '
        "<button>Send lenke</button></form>",
        status,
    )


def link_sent() -> Response[str]:
    return layout(
        "Sjekk e-posten",
        "<h1>Sjekk e-posten din</h1><p>Hvis adressen har en konto hos oss, har vi sendt en "
        "lenke som gjelder i 15 minutter og kan brukes én gang.</p>",
    )


def link_invalid(request: Request[Any, Any, Any]) -> Response[str]:
    return layout(
        "Ugyldig lenke",
        "<h1>Lenken virker ikke</h1><p>Lenken er ukjent, allerede brukt eller utløpt. "
        'Lenker gjelder i 15 minutter. <a href="/login">Be om en ny lenke</a>.</p>',
        status=400,
    )


def awaiting_approval(request: Request[Any, Any, Any]) -> Response[str]:
    return layout(
        "Venter på godkjenning",
        "<h1>Takk, e-postadressen er bekreftet</h1><p>Kontoen din må godkjennes av en "
        "nettverkskoordinator eller administrator. Du får en e-post når den er godkjent.</p>",
    )
